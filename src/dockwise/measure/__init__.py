"""Runtime probes on containers we start ourselves: startup, memory, user, exec refusal, throughput."""
