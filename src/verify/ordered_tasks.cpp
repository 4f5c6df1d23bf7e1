#include "verify/ordered_tasks.hpp"

#include <sched.h>
#include <system_error>

namespace pds::verify::detail {

OrderedTasks::OrderedTasks(unsigned workers) {
    for (unsigned i = 0; i < workers; ++i) {
        try {
            threads_.emplace_back([this, i] { work(i); });
        } catch (const std::system_error&) {
            break; // fewer workers (none: submit() runs the tasks itself)
        }
    }
    slots_ = threads_.empty() ? 1 : static_cast<unsigned>(threads_.size());
}

OrderedTasks::~OrderedTasks() {
    {
        std::lock_guard<std::mutex> lock(m_);
        stop_ = true;
        queue_.clear();
    }
    work_cv_.notify_all();
    for (std::thread& t : threads_)
        t.join();
}

void OrderedTasks::record_failure(std::uint64_t seq, std::exception_ptr e) {
    if (seq < failed_seq_) {
        failed_seq_ = seq;
        failure_ = std::move(e);
    }
}

void OrderedTasks::submit(Task task) {
    std::unique_lock<std::mutex> lock(m_);
    const std::uint64_t seq = next_seq_++;
    if (failed_seq_ < seq)
        return;
    if (threads_.empty()) {
        lock.unlock();
        try {
            task(0);
        } catch (...) {
            lock.lock();
            record_failure(seq, std::current_exception());
        }
        return;
    }
    space_cv_.wait(lock, [&] { return queue_.size() < 2 * threads_.size(); });
    queue_.emplace_back(seq, std::move(task));
    lock.unlock();
    work_cv_.notify_one();
}

void OrderedTasks::work(unsigned worker) {
    std::unique_lock<std::mutex> lock(m_);
    for (;;) {
        work_cv_.wait(lock, [&] { return stop_ || !queue_.empty(); });
        if (stop_)
            return;
        std::pair<std::uint64_t, Task> job = std::move(queue_.front());
        queue_.pop_front();
        space_cv_.notify_one();
        if (failed_seq_ < job.first) { // an earlier task failed: the serial verifier stopped
            if (queue_.empty() && running_ == 0)
                idle_cv_.notify_all();
            continue;
        }
        ++running_;
        lock.unlock();
        std::exception_ptr failure;
        try {
            job.second(worker);
        } catch (...) {
            failure = std::current_exception();
        }
        job.second = nullptr; // release what the task holds outside the lock
        lock.lock();
        --running_;
        if (failure)
            record_failure(job.first, std::move(failure));
        if (queue_.empty() && running_ == 0)
            idle_cv_.notify_all();
    }
}

void OrderedTasks::finish() {
    std::unique_lock<std::mutex> lock(m_);
    idle_cv_.wait(lock, [&] { return queue_.empty() && running_ == 0; });
    if (failure_) {
        std::exception_ptr e = failure_;
        failure_ = nullptr; // finish() after a rethrow (the caller's catch) reports nothing new
        failed_seq_ = 0;    // and nothing later runs
        std::rethrow_exception(e);
    }
}

unsigned default_jobs() {
    cpu_set_t set;
    CPU_ZERO(&set);
    unsigned n = 1;
    if (sched_getaffinity(0, sizeof set, &set) == 0)
        n = static_cast<unsigned>(CPU_COUNT(&set));
    else
        n = std::thread::hardware_concurrency();
    if (n < 1)
        n = 1;
    return n > kMaxDefaultJobs ? kMaxDefaultJobs : n;
}

} // namespace pds::verify::detail
