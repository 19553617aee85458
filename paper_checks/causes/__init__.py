"""Does InfoNCE itself make representations Gaussian? The factorial of issue 28 (claims ``CAUSE-``)."""
