"""Logging in and TLS against a real broker that demands them: the login from the
environment or a file (never the command line, never in the log), mqtts:// with the CA
that signed the broker's certificate, and clear words when either is wrong."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

from bridge_process import BridgeProcess
from mqtt_broker import TestBroker, make_certificates
from mqtt_watch import Watcher

from picofan.bridge import ha_schema as ha

Start = Callable[..., BridgeProcess]
USER, PASSWORD = "picofan", "s3cret pass:word"


def test_mqtts_with_a_login_from_the_environment(tmp_path: Path, bridge: Start) -> None:
    certs = make_certificates(tmp_path / "certs")
    secure = TestBroker(tmp_path / "secure", login=(USER, PASSWORD), tls=certs)
    home = Watcher(secure.port, login=(USER, PASSWORD), ca_file=certs["ca"])
    try:
        run = bridge("--sim", "1", "--ca-file", str(certs["ca"]), url=secure.url,
                     env={"PICOFAN_MQTT_USERNAME": USER, "PICOFAN_MQTT_PASSWORD": PASSWORD})
        assert secure.url.startswith("mqtts://")
        (bid,) = home.configs(1)
        mark = home.mark()
        home.publish(ha.Topics(bid).set_one("setpoint"), "27")
        assert home.wait_json(ha.Topics(bid).result, since=mark)["ok"]
        assert f"as {USER} (from $PICOFAN_MQTT_USERNAME)" in run.log
        assert PASSWORD not in run.log and "s3cret" not in run.log
    finally:
        home.close()
        secure.close()


def test_a_login_from_a_file(tmp_path: Path, bridge: Start) -> None:
    guarded = TestBroker(tmp_path / "guarded", login=(USER, PASSWORD))
    home = Watcher(guarded.port, login=(USER, PASSWORD))
    login = tmp_path / "login"
    login.write_text(f"{USER}\n{PASSWORD}\n")
    login.chmod(0o600)
    try:
        run = bridge("--sim", "1", "--credentials", str(login), url=guarded.url)
        home.configs(1)
        assert f"as {USER} (from the file {login})" in run.log
        assert "readable by other users" not in run.log and PASSWORD not in run.log
        run.stop()
        login.chmod(0o644)  # said, not refused: the broker decides
        again = bridge("--sim", "1", "--credentials", str(login), url=guarded.url)
        again.wait_log("readable by other users: chmod 600 it")
        again.wait_log("connected to the broker")
    finally:
        home.close()
        guarded.close()


def test_a_wrong_password_or_an_unknown_certificate_is_said_once(tmp_path: Path,
                                                                bridge: Start) -> None:
    certs = make_certificates(tmp_path / "certs")
    secure = TestBroker(tmp_path / "secure", login=(USER, PASSWORD), tls=certs)
    try:
        wrong = bridge("--sim", "1", "--ca-file", str(certs["ca"]), url=secure.url,
                       env={"PICOFAN_MQTT_USERNAME": USER, "PICOFAN_MQTT_PASSWORD": "guess"})
        log = wrong.wait_log("refused the connection")
        assert "guess" not in log
        # without the CA that signed the broker's certificate (the system's CAs did not)
        untrusted = bridge("--sim", "1", url=secure.url,
                           env={"PICOFAN_MQTT_USERNAME": USER, "PICOFAN_MQTT_PASSWORD": PASSWORD})
        log = untrusted.wait_log("cannot reach the broker")
        assert "CERTIFICATE_VERIFY_FAILED" in log and PASSWORD not in log
    finally:
        secure.close()
