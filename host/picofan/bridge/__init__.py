"""`picofan bridge`: picofan boards on serial ports, kept in sync with an MQTT broker as
Home Assistant devices (docs/home-assistant.md). ha: the topics and payloads; broker:
the broker's address and login; bridge: the boards, the publisher and the commands."""
