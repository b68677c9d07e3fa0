"""The RQ worker class of `python -m yishi worker` on RQ (settings.RQ["WORKER_CLASS"])."""

from __future__ import annotations

from rq.worker import Worker as RQWorker

# How long the thread that listens for worker commands (stop a job, shut down) waits for one
# before it looks again.
COMMAND_POLL_SECONDS = 1


class Worker(RQWorker):
    """RQ's worker, whose command listener polls every second instead of every minute. On
    exit (the end of a --burst run, SIGTERM at a deploy) RQ closes the listener's connection,
    which waits for the thread's poll to end: with RQ's 60 s a stopped worker lingered a
    minute, holding its place and delaying restarts."""

    def subscribe(self) -> None:
        self.log.info("Worker %s: subscribing to channel %s", self.name, self.pubsub_channel_name)
        self.pubsub = self.connection.pubsub()
        self.pubsub.subscribe(**{self.pubsub_channel_name: self.handle_payload})
        self.pubsub_thread = self.pubsub.run_in_thread(
            sleep_time=COMMAND_POLL_SECONDS,
            daemon=True,
            exception_handler=self._pubsub_exception_handler,
        )
