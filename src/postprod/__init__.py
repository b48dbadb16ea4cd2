"""postprod: the post-production supervisor's system."""

__version__ = "0.1.0"
