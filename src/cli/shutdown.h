// Waiting for SIGINT/SIGTERM in long-running commands (node, hub, demo) without async-signal
// hazards: the signals are blocked in every thread and one thread takes them with sigwait.
#pragma once

#include <functional>

namespace renkei {

// Blocks SIGINT and SIGTERM in the calling thread and every thread it creates afterwards. Call
// first thing in a command, before any thread starts.
void BlockShutdownSignals();

// Starts a thread that waits for SIGINT or SIGTERM and then calls `on_signal` once (with the
// signal number). The thread is detached; the process is expected to exit after on_signal.
void OnShutdownSignal(std::function<void(int)> on_signal);

}  // namespace renkei
