//! A local, in-memory stand-in for the Feishu endpoints rewardsync calls (SPEC §6).
