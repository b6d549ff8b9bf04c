"""picofan host tools: find the Pico, stream and log its readings, steer it."""

from fanctl import FIRMWARE_VERSION as __version__

__all__ = ["__version__"]
