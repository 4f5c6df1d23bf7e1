// A small pool of worker threads for the independent compressed streams of one archive
// (the data blocks of a custom archive, the data files of a directory dump).
//
// The verdict must be the serial verifier's: the first problem in file order. Tasks are
// numbered in the order they are submitted, which is the order the serial verifier checks
// them in, and finish() reports the failure of the earliest failed task. A problem the
// submitting thread finds itself (a broken block header, a missing file) comes after every
// task submitted before it, so the caller reports it only if no task failed:
//     try { ...submit... } catch (...) { tasks.finish(); throw; }   // a task's failure wins
//     tasks.finish();
// Memory is bounded: at most 2 tasks per worker wait in the queue (submit() blocks), and
// each worker's own buffers are the caller's, indexed by the worker number a task gets.
#pragma once

#include <condition_variable>
#include <cstdint>
#include <deque>
#include <exception>
#include <functional>
#include <mutex>
#include <thread>
#include <utility>
#include <vector>

namespace pds::verify::detail {

class OrderedTasks {
public:
    using Task = std::function<void(unsigned worker)>;

    // Starts `workers` threads (at least 1). If the system refuses a thread, fewer run; with
    // none, submit() runs each task itself, in order (the serial verifier).
    explicit OrderedTasks(unsigned workers);
    ~OrderedTasks(); // drops queued tasks, waits for running ones
    OrderedTasks(const OrderedTasks&) = delete;
    OrderedTasks& operator=(const OrderedTasks&) = delete;

    // Number of worker slots a task's `worker` argument ranges over (at least 1).
    unsigned slots() const { return slots_; }

    // Queues a task. Once a task has failed, later tasks are not run: the serial verifier
    // would have stopped at that failure.
    void submit(Task task);

    // Waits for every queued task; rethrows the exception of the earliest failed one.
    void finish();

private:
    void work(unsigned worker);
    void record_failure(std::uint64_t seq, std::exception_ptr e);

    std::mutex m_;
    std::condition_variable work_cv_, space_cv_, idle_cv_;
    std::deque<std::pair<std::uint64_t, Task>> queue_;
    std::uint64_t next_seq_ = 0;
    unsigned running_ = 0;
    std::uint64_t failed_seq_ = UINT64_MAX;
    std::exception_ptr failure_;
    bool stop_ = false;
    unsigned slots_ = 1;
    std::vector<std::thread> threads_;
};

// The worker count of --safe-verify-jobs=0 (the default): the CPUs this process may run on
// (sched_getaffinity), at most kMaxDefaultJobs, so that memory stays within the documented
// bound on large machines.
constexpr unsigned kMaxDefaultJobs = 8;
unsigned default_jobs();

} // namespace pds::verify::detail
