"""The dialogue: a pure state machine and the persona engines that speak for it."""
