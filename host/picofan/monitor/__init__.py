"""The Textual monitor: `picofan monitor`, the screen to watch and steer the Pico."""
