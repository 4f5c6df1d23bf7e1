// Processes the drill starts beside pg_restore: the throwaway server (long-lived, in its own
// session, as the postgres user when we are root), initdb, and the counting pg_restore that
// runs while the restore does. exec::run_child (one child at a time, signals forwarded) runs
// pg_restore and psql; these need more: another user, a process kept running, a pipe.
#pragma once

#include <string>
#include <sys/types.h>
#include <vector>

namespace pds::restore {

struct RunAs {
    bool switch_user = false; // we are root: become `user` in the child
    uid_t uid = 0;
    gid_t gid = 0;
    std::string user;
};

// root: the postgres user (throws if there is none); otherwise: ourselves.
RunAs server_user();

struct SpawnSpec {
    std::vector<std::string> argv; // argv[0] is the program path
    int stdin_fd = -1;             // -1: /dev/null
    int stdout_fd = -1;            // -1: /dev/null
    int stderr_fd = -1;            // -1: same as stdout_fd
    RunAs as;
    bool new_session = false; // setsid(): a terminal's Ctrl-C reaches only us, we stop it
    bool die_with_parent = true;
};

// Throws std::runtime_error naming the program and the errno text if it cannot be started.
pid_t spawn(const SpawnSpec& spec);

// Waits for pid. A SIGINT/SIGTERM/SIGHUP caught meanwhile (exec::SignalForwarding) is passed
// on to it. Returns the wait status.
int wait_for(pid_t pid);

// Non-blocking: true and the status once pid has exited.
bool reap(pid_t pid, int& status);

std::string describe_status(int status); // "exit status 1", "killed by signal 15"

} // namespace pds::restore
