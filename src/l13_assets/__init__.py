"""l13-assets: verified learning assets for lesson 13 (RLHF) of a reinforcement-learning course."""

__version__ = "1.1.0"
