"""Local development as a new user meets it: `.env` honoured, production never touched by
accident, busy ports named, the printed exports enough for the CLI, and no secret in the
access log. The launchers run as subprocesses, as `make dev` and `make run` start them."""

import io
import json
import os
import re
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any
from unittest import mock

import pytest
import requests

from app.config import Settings
from app.env_file import ENV_FILE_VARIABLE, load_env_file
from app.logging_setup import mask_query_values
from app.sandbox import serve_local
from app.sandbox.dev import DevRefusal, SecretsManagerKind, plan
from app.sandbox.x_standin import XStandin
from tests.support.cli import run_cli
from tests.support.constants import CONSUMER_KEY, CONSUMER_SECRET
from tests.support.local_stack import LocalStack, connect_over_http, parse_welcome

REPOSITORY = Path(__file__).resolve().parents[2]
_SETTINGS_PREFIXES = ("AWS_", "CONSUMER_", "ADMIN_", "SIGNING_", "X_API", "PUBLIC_", "ALLOWED_")


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


@pytest.fixture
def env_file(tmp_path: Path) -> Path:
    return tmp_path / "dev.env"


@pytest.fixture
def clean_env(env_file: Path) -> dict[str, str]:
    """The developer's shell with nothing of Birdhouse's configured, and `.env` at env_file."""
    env = {k: v for k, v in os.environ.items() if not k.startswith(_SETTINGS_PREFIXES)}
    env.update(
        PYTHONPATH=os.pathsep.join([str(REPOSITORY), str(REPOSITORY / "client" / "src")]),
        PYTHONUNBUFFERED="1",
    )
    env[ENV_FILE_VARIABLE] = str(env_file)
    # Each test's own embedded AWS: its own port and kept state, never the repository's.
    env["MOTO_PORT"] = str(_free_port())
    env["DEV_STATE_DIR"] = str(env_file.parent / "dev-state")
    return env


def launch(env: dict[str, str], module: str, *args: str) -> subprocess.Popen[str]:
    return subprocess.Popen(
        [sys.executable, "-m", module, *args],
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
        start_new_session=True,
    )


def stop(process: subprocess.Popen[str]) -> str:
    """Ctrl-C to the whole group, as a terminal sends it; everything it printed."""
    if process.poll() is None:
        os.killpg(process.pid, signal.SIGINT)
    try:
        output, _ = process.communicate(timeout=15)
    except subprocess.TimeoutExpired:
        os.killpg(process.pid, signal.SIGKILL)
        output, _ = process.communicate()
    return output


def read_until(process: subprocess.Popen[str], marker: str, timeout: float = 60) -> str:
    assert process.stdout is not None
    printed: list[str] = []
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        line = process.stdout.readline()
        if not line:
            break
        printed.append(line)
        if marker in line:
            return "".join(printed)
    raise AssertionError(f"never printed {marker!r}:\n" + "".join(printed))


def dev(env: dict[str, str], *args: str) -> subprocess.CompletedProcess[str]:
    """A launch expected to refuse before starting anything."""
    return subprocess.run(
        [sys.executable, "-m", "app.sandbox.dev", "--no-reload", *args],
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )


# --- what make dev agrees to run ---------------------------------------------------------------


@pytest.mark.slow
def test_sandbox_beside_real_aws_is_refused_before_anything_starts(
    clean_env: dict[str, str],
) -> None:
    clean_env["AWS_PROFILE"] = "production"

    result = dev(clean_env, "--port", str(_free_port()), "--x-port", str(_free_port()))

    assert result.returncode == 2
    assert result.stderr.count("\n") == 1
    assert "AWS_PROFILE" in result.stderr
    assert "CONSUMER_KEY" in result.stderr
    assert "Onboarding link" not in result.stdout + result.stderr


@pytest.mark.slow
def test_aws_settings_in_dotenv_count_as_configured(
    clean_env: dict[str, str], env_file: Path
) -> None:
    env_file.write_text("AWS_PROFILE=production\nAWS_DEFAULT_REGION=eu-west-1\n")

    result = dev(clean_env, "--port", str(_free_port()), "--x-port", str(_free_port()))

    assert result.returncode == 2
    assert "AWS_PROFILE" in result.stderr


def test_plan_allows_the_sandbox_beside_a_secrets_manager_on_loopback() -> None:
    environ = {"AWS_ENDPOINT_URL": "http://127.0.0.1:5000", "AWS_ACCESS_KEY_ID": "x"}

    dev_plan = plan(environ, Settings(), allow_sandbox_with_real_aws=False)

    assert dev_plan.secrets_manager is SecretsManagerKind.LOCAL
    assert dev_plan.x_sandbox


# The services Birdhouse calls, by boto3's service-specific endpoint variable.
_SERVICE_ENDPOINTS = (
    "AWS_ENDPOINT_URL_SECRETS_MANAGER",
    "AWS_ENDPOINT_URL_DYNAMODB",
    "AWS_ENDPOINT_URL_EVENTBRIDGE",
    "AWS_ENDPOINT_URL_SNS",
)


@pytest.mark.parametrize("elsewhere", _SERVICE_ENDPOINTS[1:])
def test_only_one_service_on_loopback_with_real_credentials_is_real_aws(elsewhere: str) -> None:
    """Secrets Manager on loopback, the ledger or the events at AWS: the sandbox is refused."""
    environ = {name: "http://127.0.0.1:5000" for name in _SERVICE_ENDPOINTS if name != elsewhere}
    environ["AWS_PROFILE"] = "production"

    with pytest.raises(DevRefusal, match=elsewhere) as refused:
        plan(environ, Settings(), allow_sandbox_with_real_aws=False)

    assert "\n" not in str(refused.value)


def test_secrets_manager_alone_on_loopback_is_real_aws() -> None:
    environ = {"AWS_ENDPOINT_URL_SECRETS_MANAGER": "http://127.0.0.1:5000", "AWS_PROFILE": "p"}

    with pytest.raises(DevRefusal, match="DynamoDB, EventBridge, SNS"):
        plan(environ, Settings(), allow_sandbox_with_real_aws=False)

    assert plan(environ, Settings(), allow_sandbox_with_real_aws=True).sandbox_with_real_aws


def test_a_service_sent_to_aws_past_a_loopback_default_is_real_aws() -> None:
    environ = {
        "AWS_ENDPOINT_URL": "http://127.0.0.1:5000",
        "AWS_ENDPOINT_URL_DYNAMODB": "https://dynamodb.eu-west-1.amazonaws.com",
        "AWS_ACCESS_KEY_ID": "AKIA",
    }

    with pytest.raises(DevRefusal, match="AWS_ENDPOINT_URL_DYNAMODB"):
        plan(environ, Settings(), allow_sandbox_with_real_aws=False)


def test_every_service_on_loopback_by_its_own_variable_is_local() -> None:
    environ = {name: f"http://localhost:{5000 + i}" for i, name in enumerate(_SERVICE_ENDPOINTS)}
    environ["AWS_ACCESS_KEY_ID"] = "x"

    dev_plan = plan(environ, Settings(), allow_sandbox_with_real_aws=False)

    assert dev_plan.secrets_manager is SecretsManagerKind.LOCAL


def test_ignored_endpoint_variables_mean_real_aws() -> None:
    """boto3 skips every AWS_ENDPOINT_URL* when told to ignore configured endpoints."""
    environ = {
        "AWS_ENDPOINT_URL": "http://127.0.0.1:5000",
        "AWS_IGNORE_CONFIGURED_ENDPOINT_URLS": "true",
        "AWS_PROFILE": "p",
    }

    with pytest.raises(DevRefusal, match="AWS_IGNORE_CONFIGURED_ENDPOINT_URLS"):
        plan(environ, Settings(), allow_sandbox_with_real_aws=False)


def test_plan_takes_an_explicit_opt_in_for_sandbox_with_real_aws() -> None:
    dev_plan = plan({"AWS_PROFILE": "p"}, Settings(), allow_sandbox_with_real_aws=True)

    assert dev_plan.sandbox_with_real_aws


def test_plan_with_real_x_serves_the_app_on_127_0_0_1() -> None:
    settings = Settings(consumer_key="ck-real", consumer_secret="cs-real")

    dev_plan = plan({}, settings, allow_sandbox_with_real_aws=False)

    assert dev_plan.secrets_manager is SecretsManagerKind.EMBEDDED
    assert not dev_plan.x_sandbox
    assert dev_plan.app_host == "127.0.0.1"  # X refuses localhost callbacks


def test_plan_refusal_names_what_to_set() -> None:
    with pytest.raises(DevRefusal, match="CONSUMER_SECRET"):
        plan({"AWS_ACCESS_KEY_ID": "AKIA"}, Settings(), allow_sandbox_with_real_aws=False)


@pytest.mark.slow
@pytest.mark.parametrize("busy", ["PORT", "X_PORT"])
def test_a_busy_port_is_named_and_nothing_starts(clean_env: dict[str, str], busy: str) -> None:
    ports = {"PORT": _free_port(), "X_PORT": _free_port()}
    with socket.socket() as other_server:
        other_server.bind(("127.0.0.1", ports[busy]))
        other_server.listen()

        result = dev(clean_env, "--port", str(ports["PORT"]), "--x-port", str(ports["X_PORT"]))

    assert result.returncode == 2
    assert f"port {ports[busy]} is in use" in result.stderr
    assert f"{busy}=" in result.stderr
    assert "Onboarding link" not in result.stdout
    assert "Birdhouse is running" not in result.stdout


@pytest.mark.slow
def test_ports_come_from_the_environment_too(clean_env: dict[str, str]) -> None:
    with socket.socket() as other_server:
        other_server.bind(("127.0.0.1", 0))
        other_server.listen()
        clean_env["PORT"] = str(other_server.getsockname()[1])

        result = dev(clean_env)

    assert result.returncode == 2
    assert f"port {clean_env['PORT']} is in use" in result.stderr


# --- the running stack --------------------------------------------------------------------------


def admin(stack: LocalStack, method: str, path: str) -> requests.Response:
    return requests.request(
        method,
        f"{stack.app_url}{path}",
        headers={"Authorization": f"Bearer {stack.admin_token}"},
        timeout=10,
    )


@pytest.mark.slow
def test_a_restart_keeps_the_onboarded_account_the_token_and_the_endpoint(
    clean_env: dict[str, str],
) -> None:
    ports = ("--port", str(_free_port()), "--x-port", str(_free_port()))
    first = launch(clean_env, "app.sandbox.dev", "--no-reload", *ports)
    try:
        banner = read_until(first, "Onboarding link:")
        before = parse_welcome(banner)
        assert "State: FRESH" in banner
        connect_over_http(before, "KeptBot", before.onboarding_link)
    finally:
        stop(first)

    second = launch(clean_env, "app.sandbox.dev", "--no-reload", *ports)
    try:
        banner = read_until(second, "Onboarding link:")
        after = parse_welcome(banner)
        assert "State: KEPT from the last run" in banner
        assert after.admin_token == before.admin_token
        assert (
            after.aws_endpoint
            == before.aws_endpoint
            == f"http://127.0.0.1:{clean_env['MOTO_PORT']}"
        )
        listed = admin(after, "GET", "/accounts").json()["accounts"]
        assert [account["screen_name"] for account in listed] == ["KeptBot"]
        # The sandbox kept the token it issued: X (the sandbox) still accepts it.
        verified = admin(after, "POST", "/accounts/KeptBot/verify")
        assert verified.status_code == 200, verified.text
        assert verified.json()["ok"] is True
        # The exports printed before the restart still reach the same store.
        exports = dict(re.findall(r"export (\w+)=(\S+)", banner))
        cli = run_cli({**clean_env, **exports}, "accounts", "--json")
        assert cli.returncode == 0, cli.stderr
        assert "KeptBot" in cli.stdout
    finally:
        stop(second)

    third = launch(clean_env, "app.sandbox.dev", "--no-reload", "--fresh", *ports)
    try:
        banner = read_until(third, "Onboarding link:")
        fresh = parse_welcome(banner)
        assert "State: FRESH" in banner
        assert fresh.admin_token != before.admin_token
        assert admin(fresh, "GET", "/accounts").json()["accounts"] == []
    finally:
        stop(third)


@pytest.fixture
def dev_stack_with_real_x_from_dotenv(
    clean_env: dict[str, str], env_file: Path, x_standin: XStandin, x_url: str
) -> Iterator[tuple[subprocess.Popen[str], str, int]]:
    """The README's `.env` with X configured (the stand-in plays real X) and AWS left embedded."""
    env_file.write_text(
        f"AWS_DEFAULT_REGION=eu-west-2\nCONSUMER_KEY={CONSUMER_KEY}\n"
        f"CONSUMER_SECRET='{CONSUMER_SECRET}'\nX_API_BASE_URL={x_url}\n"
    )
    port = _free_port()
    process = launch(clean_env, "app.sandbox.dev", "--no-reload", "--port", str(port))
    try:
        banner = read_until(process, "Ready in")
        yield process, banner, port
    finally:
        stop(process)


@pytest.mark.slow
def test_dev_stack_uses_dotenv_and_the_cli_works_with_the_printed_exports(
    dev_stack_with_real_x_from_dotenv: tuple[subprocess.Popen[str], str, int],
    clean_env: dict[str, str],
    x_url: str,
) -> None:
    process, banner, port = dev_stack_with_real_x_from_dotenv
    app_url = f"http://127.0.0.1:{port}"
    assert f"X: real, at {x_url}" in banner
    assert f"Register {app_url}/callback" in banner
    assert "export AWS_DEFAULT_REGION=eu-west-2" in banner
    assert CONSUMER_SECRET not in banner
    exports = dict(re.findall(r"export (\w+)=(\S+)", banner))
    assert set(exports) >= {"AWS_ENDPOINT_URL", "AWS_ACCESS_KEY_ID", "AWS_DEFAULT_REGION"}

    cli_env = {**clean_env, **exports}
    cli = run_cli(cli_env, "invite", "--screen-name", "HelloBot")
    assert cli.returncode == 0, cli.stderr
    link = cli.stdout.strip()
    assert link.startswith(f"{app_url}/onboard?invite=")

    answer = requests.get(link, allow_redirects=False, timeout=10)
    assert answer.status_code == 303
    assert answer.headers["location"].startswith(f"{x_url}/oauth/authorize?")

    access_log = stop(process)
    invite_token = link.split("invite=", 1)[1]
    assert "/onboard?invite=*** " in access_log
    assert invite_token not in access_log


@pytest.mark.slow
def test_landing_page_replaces_the_404_at_the_printed_url(local_stack: LocalStack) -> None:
    page = requests.get(f"{local_stack.app_url}/", timeout=10)

    assert page.status_code == 200
    assert "Birdhouse connects bot accounts" in page.text


@pytest.mark.slow
def test_another_server_on_the_port_cannot_pass_for_birdhouse(
    clean_env: dict[str, str],
) -> None:
    """If the port is taken between the check and uvicorn's bind, no banner is printed."""
    from app.sandbox import dev as launcher

    with socket.socket() as other_server:
        other_server.bind(("127.0.0.1", 0))
        other_server.listen()
        port = other_server.getsockname()[1]
        never_ours = subprocess.Popen([sys.executable, "-c", "import time; time.sleep(30)"])
        try:
            with pytest.raises(DevRefusal, match="did not answer"):
                launcher._wait_until_up(
                    f"http://127.0.0.1:{port}/healthz",
                    never_ours,
                    instance="this-run",
                    timeout_seconds=0.5,
                )
        finally:
            never_ours.kill()
            never_ours.wait()


def _handed_over(text: str) -> int:
    """A pipe's read end holding what make dev wrote to it, closed after."""
    read_end, write_end = os.pipe()
    os.write(write_end, text.encode())
    os.close(write_end)
    return read_end


def test_make_devs_app_process_serves_with_exactly_the_environment_handed_over(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """make dev starts the app's process before its AWS and X are up; the process takes its
    whole environment from one line on a pipe of its own, then serves on its port."""
    served: dict[str, Any] = {}

    def serve(app: str, **options: Any) -> None:
        served.update(options, app=app, environment=dict(os.environ))

    monkeypatch.setattr("uvicorn.run", serve)
    handed_over = {
        "AWS_ENDPOINT_URL": "http://127.0.0.1:1",
        ENV_FILE_VARIABLE: str(REPOSITORY / "no-such.env"),  # nothing added from a .env
    }
    fd = _handed_over(json.dumps(handed_over) + "\n")
    with mock.patch.dict(os.environ):  # put back afterwards: the process's is replaced
        os.environ["LEFT_FROM_BEFORE"] = "1"
        code = serve_local.main(["--port", "8123", "--environment-fd", str(fd)])
        assert "LEFT_FROM_BEFORE" not in os.environ

    assert code == 0
    assert served["app"] == "app.main:app"
    assert served["port"] == 8123
    assert served["environment"] == handed_over
    with pytest.raises(OSError, match="Bad file descriptor"):
        os.close(fd)  # read and closed by the process


class _CtrlCWhileWaiting(io.RawIOBase):
    def readable(self) -> bool:
        return True

    def readinto(self, _buffer: Any) -> int:
        raise KeyboardInterrupt


@pytest.mark.parametrize("stopped_by", ["pipe closed empty", "Ctrl-C while waiting"])
def test_make_devs_app_process_exits_quietly_if_make_dev_stops_first(
    monkeypatch: pytest.MonkeyPatch, capfd: pytest.CaptureFixture[str], stopped_by: str
) -> None:
    monkeypatch.setattr("uvicorn.run", lambda *_, **__: pytest.fail("served"))
    fd = _handed_over("")
    if stopped_by == "Ctrl-C while waiting":
        monkeypatch.setattr(os, "fdopen", lambda *_: _CtrlCWhileWaiting())
    with mock.patch.dict(os.environ):
        code = serve_local.main(["--environment-fd", str(fd)])
        environment_kept = "PATH" in os.environ
    if stopped_by == "Ctrl-C while waiting":
        os.close(fd)

    assert code == 0
    assert environment_kept
    assert capfd.readouterr() == ("", "")


# --- make run ---------------------------------------------------------------------------------


@pytest.fixture
def make_run(clean_env: dict[str, str], moto_server: str) -> Iterator[tuple[Any, str]]:
    """`make run`'s server: no PUBLIC_BASE_URL, so the Host header would write the links."""
    clean_env.update(
        AWS_ENDPOINT_URL=moto_server,
        AWS_ACCESS_KEY_ID="run",
        AWS_SECRET_ACCESS_KEY="run",
        AWS_DEFAULT_REGION="us-east-1",
    )
    port = _free_port()
    process = launch(clean_env, "app.sandbox.serve_local", "--port", str(port))
    url = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + 30
    while True:
        try:
            if requests.get(f"{url}/healthz", timeout=1).status_code == 200:
                break
        except requests.RequestException:
            assert time.monotonic() < deadline, stop(process)
            time.sleep(0.1)
    try:
        yield process, url
    finally:
        stop(process)


@pytest.mark.slow
def test_make_run_refuses_a_forged_host(make_run: tuple[Any, str]) -> None:
    _process, url = make_run

    forged = requests.get(f"{url}/onboard?invite=x", headers={"Host": "evil.example"}, timeout=5)
    honest = requests.get(f"{url}/", timeout=5)

    assert forged.status_code == 400
    assert "ALLOWED_HOSTS" in forged.text
    assert honest.status_code == 200


@pytest.mark.slow
def test_make_run_masks_query_values_in_its_access_log(make_run: tuple[Any, str]) -> None:
    process, url = make_run

    requests.get(f"{url}/callback?oauth_token=tok-123&oauth_verifier=ver-456", timeout=5)
    requests.get(f"{url}/callback?denied=den-789", timeout=5)
    output = stop(process)

    assert "/callback?oauth_token=***&oauth_verifier=*** " in output
    assert "/callback?denied=*** " in output
    for value in ("tok-123", "ver-456", "den-789"):
        assert value not in output


# --- pieces -------------------------------------------------------------------------------------


def test_dotenv_fills_gaps_and_never_overrides(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    env_file = tmp_path / ".env"
    env_file.write_text(
        "BH_TEST_FROM_FILE=file\nBH_TEST_ALREADY_SET=file\n"
        "# a comment\nexport BH_TEST_EXPORTED='q v'\n"
    )
    monkeypatch.setenv("BH_TEST_ALREADY_SET", "shell")
    for name in ("BH_TEST_FROM_FILE", "BH_TEST_EXPORTED"):
        monkeypatch.delenv(name, raising=False)

    loaded = load_env_file(env_file)

    assert sorted(loaded) == ["BH_TEST_EXPORTED", "BH_TEST_FROM_FILE"]
    assert os.environ["BH_TEST_FROM_FILE"] == "file"
    assert os.environ["BH_TEST_EXPORTED"] == "q v"
    assert os.environ["BH_TEST_ALREADY_SET"] == "shell"
    for name in loaded:
        monkeypatch.delenv(name)


def test_cli_reads_the_region_from_dotenv(
    clean_env: dict[str, str], env_file: Path, moto_server: str
) -> None:
    requests.post(f"{moto_server}/moto-api/reset", timeout=5)
    env_file.write_text(
        f"AWS_ENDPOINT_URL={moto_server}\nAWS_ACCESS_KEY_ID=cli\nAWS_SECRET_ACCESS_KEY=cli\n"
        "AWS_DEFAULT_REGION=eu-west-1\n"
    )

    result = run_cli(clean_env, "accounts")

    assert result.returncode == 0, result.stderr
    assert "No accounts onboarded yet." in result.stdout


@pytest.mark.parametrize(
    ("logged", "masked"),
    [
        ("/onboard?invite=abc.def", "/onboard?invite=***"),
        (
            "/callback?oauth_token=t&oauth_verifier=v",
            "/callback?oauth_token=***&oauth_verifier=***",
        ),
        ("/healthz", "/healthz"),
        ("/callback?denied=t&x=", "/callback?denied=***&x=***"),
    ],
)
def test_query_values_are_masked(logged: str, masked: str) -> None:
    assert mask_query_values(logged) == masked
