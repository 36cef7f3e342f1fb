"""The deployment files (deploy/, .dockerignore) agree with the program, checked offline.

No Docker engine, kubectl or linter: each file is parsed (PyYAML, configparser, a small
Dockerfile reader) and held against what clipbridge really reads (its settings) and runs (its
subcommands). Only the image's health check is executed, against a loopback server.
"""

from __future__ import annotations

import argparse
import configparser
import functools
import json
import os
import re
import shlex
import subprocess
import sys
from collections.abc import Iterator
from fnmatch import fnmatch
from http.server import BaseHTTPRequestHandler, HTTPServer
from pathlib import Path
from threading import Thread
from typing import Any

import pytest
import yaml
from pydantic import ValidationError

from bots.cli import _parser
from bots.settings import by_owner, setting_names
from core.settings import Settings

ROOT = Path(__file__).resolve().parents[2]
DEPLOY = ROOT / "deploy"
K8S = DEPLOY / "k8s"
YAML_FILES = sorted(DEPLOY.rglob("*.yaml"))
HEALTH_PORT_DEFAULT = Settings.model_fields["health_port"].default
SECRET_KEYS = {"NEMO_TOKEN", "TELEGRAM_BOT_TOKEN", "TELEGRAM_WEBHOOK_SECRET", "DISCORD_BOT_TOKEN"}


def real_settings() -> set[str]:
    example = (ROOT / ".env.example").read_text()
    names = set(re.findall(r"^([A-Z][A-Z0-9_]*)=", example, re.MULTILINE))
    names |= setting_names()
    return names | {"HEALTH_PORT"}  # the health server's port, whatever else changes


def subcommands() -> set[str]:
    for action in _parser()._actions:
        if isinstance(action, argparse._SubParsersAction):
            return set(action.choices)
    raise AssertionError("the clipbridge parser has no subcommands")


def valid_settings(values: dict[str, str]) -> None:
    """Raise unless these environment values load as the settings that read them."""
    # model_validate checks these values alone: no process environment, no .env file.
    for kind, fields in by_owner(values).items():
        kind.model_validate(fields)


@functools.cache
def compose() -> dict[str, Any]:
    loaded: dict[str, Any] = yaml.safe_load((DEPLOY / "compose.yaml").read_text())
    return loaded


def compose_apps() -> dict[str, dict[str, Any]]:
    """The compose services that run the clipbridge image."""
    services: dict[str, dict[str, Any]] = compose()["services"]
    return {name: s for name, s in services.items() if s.get("image", "").startswith("clipbridge")}


@functools.cache
def k8s_objects() -> list[dict[str, Any]]:
    return [
        doc for path in sorted(K8S.glob("*.yaml")) for doc in yaml.safe_load_all(path.read_text())
    ]


def of_kind(*kinds: str) -> list[dict[str, Any]]:
    return [obj for obj in k8s_objects() if obj["kind"] in kinds]


def app_containers() -> Iterator[tuple[dict[str, Any], dict[str, Any]]]:
    """(workload, container) for every container running the clipbridge image."""
    for workload in of_kind("Deployment", "StatefulSet"):
        for container in workload["spec"]["template"]["spec"]["containers"]:
            if container["image"].split(":")[0] == "clipbridge":
                yield workload, container


def config_data() -> dict[str, str]:
    (config,) = of_kind("ConfigMap")
    data: dict[str, str] = config["data"]
    return data


@functools.cache
def dockerfile() -> list[tuple[str, str]]:
    """(INSTRUCTION, arguments) of deploy/Dockerfile, continuation lines joined."""
    lines = [
        ln for ln in (DEPLOY / "Dockerfile").read_text().splitlines() if ln.lstrip()[:1] != "#"
    ]
    joined = "\n".join(lines).replace("\\\n", "")
    parts = (line.strip().split(None, 1) for line in joined.splitlines() if line.strip())
    return [(part[0].upper(), part[1] if len(part) > 1 else "") for part in parts]


def final_stage() -> list[tuple[str, str]]:
    steps = dockerfile()
    last_from = max(i for i, (op, _) in enumerate(steps) if op == "FROM")
    return steps[last_from:]


def healthcheck_code() -> str:
    (check,) = [args for op, args in final_stage() if op == "HEALTHCHECK"]
    command = json.loads(check.split(" CMD ", 1)[1])
    assert command[:2] == ["python", "-c"]
    code: str = command[2]
    return code


def systemd_unit() -> configparser.ConfigParser:
    unit = configparser.ConfigParser(strict=False, interpolation=None)  # %i is systemd's
    unit.optionxform = str  # type: ignore[assignment,method-assign]
    unit.read(DEPLOY / "systemd" / "clipbridge@.service")
    return unit


def dockerignored(path: str) -> bool:
    """Whether the root .dockerignore keeps `path` out (last matching pattern wins; a pattern
    matching a parent folder matches the path)."""
    ignored = False
    prefixes = ["/".join(path.split("/")[: i + 1]) for i in range(path.count("/") + 1)]
    for line in (ROOT / ".dockerignore").read_text().splitlines():
        pattern = line.strip()
        if not pattern or pattern.startswith("#"):
            continue
        negated = pattern.startswith("!")
        pattern = pattern.lstrip("!").strip("/")
        if any(fnmatch(prefix, pattern) for prefix in prefixes):
            ignored = not negated
    return ignored


@pytest.mark.parametrize("path", YAML_FILES, ids=lambda p: str(p.relative_to(DEPLOY)))
def test_every_yaml_file_parses_into_mappings(path: Path) -> None:
    documents = list(yaml.safe_load_all(path.read_text()))
    assert documents
    assert all(isinstance(doc, dict) and doc for doc in documents)


def test_every_environment_variable_named_is_a_real_setting() -> None:
    (secret,) = of_kind("Secret")
    assert set(secret["stringData"]) == SECRET_KEYS
    named = set(config_data()) | SECRET_KEYS
    for _, container in app_containers():
        named |= {env["name"] for env in container.get("env", [])}
    for service in compose_apps().values():
        named |= set(service["environment"])
    for op, args in final_stage():
        if op == "ENV":
            named |= {pair.split("=")[0] for pair in shlex.split(args)}
    named = {name for name in named if not name.startswith(("PYTHON", "PIP_")) and name != "PATH"}
    assert named - real_settings() == set()


def test_every_role_started_is_a_real_subcommand() -> None:
    roles = {service["command"][0] for service in compose_apps().values()}
    for _, container in app_containers():
        assert "command" not in container  # the image's ENTRYPOINT, clipbridge, stays
        roles.add(container["args"][0])
    roles |= {json.loads(args)[0] for op, args in final_stage() if op == "CMD"}
    assert roles <= subcommands()
    assert {"run", "worker", "telegram", "discord", "engine"} <= roles


def test_the_values_given_load_as_settings() -> None:
    valid_settings(config_data())
    for _, container in app_containers():
        valid_settings({env["name"]: env["value"] for env in container.get("env", [])})


def test_the_secret_template_cannot_be_applied_unedited() -> None:
    (secret,) = of_kind("Secret")
    for key, value in secret["stringData"].items():
        with pytest.raises(ValidationError, match="placeholder"):
            valid_settings({key: value})


def test_probes_ask_healthz_on_the_health_port() -> None:
    health_port = int(config_data()["HEALTH_PORT"])
    for _, container in app_containers():
        ports = {port["name"]: port["containerPort"] for port in container["ports"]}
        args = container["args"]
        expected = int(args[args.index("--port") + 1]) if args[0] == "engine" else health_port
        for probe in ("livenessProbe", "readinessProbe"):
            get = container[probe]["httpGet"]
            assert get["path"] == "/healthz"
            assert ports.get(get["port"], get["port"]) == expected, container["name"]


def container_env(container: dict[str, Any]) -> dict[str, str]:
    """What a clipbridge container's process sees: the ConfigMap it reads, then its own env."""
    env = dict(config_data()) if any("configMapRef" in s for s in container["envFrom"]) else {}
    return env | {item["name"]: item["value"] for item in container.get("env", [])}


def test_the_health_server_faces_only_what_each_deployment_needs() -> None:
    assert Settings.model_fields["health_listen"].default == "127.0.0.1"
    # The kubelet's probes and Prometheus reach the pod's IP, not its loopback.
    every_address = "0.0.0.0"  # noqa: S104 - what the pods must listen on
    for _, container in app_containers():
        if container["args"][0] != "engine":
            assert container_env(container)["HEALTH_LISTEN"] == every_address, container["name"]
    # The image's check (compose runs the same) asks from inside the container: loopback will do.
    assert "http://127.0.0.1:{port}/healthz" in healthcheck_code()


def test_kubernetes_references_resolve() -> None:
    (kustomization,) = of_kind("Kustomization")
    listed = set(kustomization["resources"])
    assert listed == {p.name for p in K8S.glob("*.yaml")} - {"kustomization.yaml"}
    (namespace,) = of_kind("Namespace")
    for obj in k8s_objects():
        if obj["kind"] not in {"Kustomization", "Namespace"}:
            assert obj["metadata"]["namespace"] == namespace["metadata"]["name"]
    names = {(obj["kind"], obj["metadata"]["name"]) for obj in k8s_objects() if "metadata" in obj}
    for _, container in app_containers():
        for source in container.get("envFrom", []):
            ref = source.get("configMapRef") or source["secretRef"]
            kind = "ConfigMap" if "configMapRef" in source else "Secret"
            assert (kind, ref["name"]) in names
    pods = [w["spec"]["template"] for w in of_kind("Deployment", "StatefulSet")]
    for service in of_kind("Service"):
        selector = service["spec"]["selector"].items()
        chosen = [pod for pod in pods if selector <= pod["metadata"]["labels"].items()]
        assert chosen, service["metadata"]["name"]
        containers = [c for pod in chosen for c in pod["spec"]["containers"]]
        ports = {port["name"] for c in containers for port in c["ports"]}
        assert {port["targetPort"] for port in service["spec"]["ports"]} <= ports


def test_workers_stop_gracefully_and_the_hpa_scales_them() -> None:
    (workers,) = [w for w, c in app_containers() if c["args"] == ["worker"]]
    pod = workers["spec"]["template"]["spec"]
    assert pod["terminationGracePeriodSeconds"] >= 30
    assert pod["securityContext"]["runAsNonRoot"] is True
    (container,) = pod["containers"]
    assert {"cpu", "memory"} <= set(container["resources"]["requests"])
    (hpa,) = of_kind("HorizontalPodAutoscaler")
    target = hpa["spec"]["scaleTargetRef"]
    assert (target["kind"], target["name"]) == ("Deployment", workers["metadata"]["name"])
    assert [m["resource"]["name"] for m in hpa["spec"]["metrics"]] == ["cpu"]


def test_ingresses_receive_telegram_by_webhook_and_every_discord_shard_once() -> None:
    assert config_data()["TELEGRAM_WEBHOOK_URL"].startswith("https://")
    (telegram,) = [w for w, c in app_containers() if c["args"] == ["telegram"]]
    assert telegram["spec"]["replicas"] >= 2
    groups = [
        {env["name"]: env["value"] for env in c["env"]}
        for _, c in app_containers()
        if c["args"] == ["discord"]
    ]
    counts = {int(group["DISCORD_SHARD_COUNT"]) for group in groups}
    assert len(counts) == 1
    shards = [int(i) for group in groups for i in group["DISCORD_SHARD_IDS"].split(",")]
    assert sorted(shards) == list(range(counts.pop()))
    assert [group["DISCORD_SYNC_COMMANDS"] for group in groups].count("true") == 1


def test_redis_keeps_an_append_only_file_on_a_volume() -> None:
    redis = compose()["services"]["redis"]
    assert "--appendonly yes" in " ".join(redis["command"])
    assert any(volume.endswith(":/data") for volume in redis["volumes"])
    (statefulset,) = of_kind("StatefulSet")
    (container,) = statefulset["spec"]["template"]["spec"]["containers"]
    assert "--appendonly yes" in " ".join(container["args"])
    (claim,) = statefulset["spec"]["volumeClaimTemplates"]
    assert {"name": claim["metadata"]["name"], "mountPath": "/data"} in container["volumeMounts"]


def test_compose_runs_the_topology_of_the_issue() -> None:
    services = compose()["services"]
    apps = compose_apps()
    by_role = {service["command"][0]: name for name, service in apps.items()}
    assert apps[by_role["worker"]]["deploy"]["replicas"] == 2
    assert "profiles" not in apps[by_role["telegram"]]
    engine = apps[by_role["engine"]]
    assert engine["profiles"] == ["local-engine"]
    port = engine["command"][engine["command"].index("--port") + 1]
    default_base = f"${{NEMO_API_BASE:-http://{by_role['engine']}:{port}}}"
    for name, service in services.items():
        assert service["restart"] == "unless-stopped"
        assert service["healthcheck"]["test"][0] == "CMD"
        if name in apps:
            assert service["env_file"] == [".env"]
        if name in apps and name != by_role["engine"]:
            assert service["environment"]["NEMO_API_BASE"] == default_base
            assert service["depends_on"]["redis"]["condition"] == "service_healthy"
            assert service["healthcheck"]["test"][1:] == ["python", "-c", healthcheck_code()]
    assert f"{port}/healthz" in engine["healthcheck"]["test"][-1]
    compile(engine["healthcheck"]["test"][-1], "engine healthcheck", "exec")


def test_the_image_is_slim_multi_stage_non_root_and_runs_clipbridge() -> None:
    steps = dockerfile()
    bases = [args.split()[0] for op, args in steps if op == "FROM"]
    assert len(bases) >= 2
    assert set(bases) == {"python:3.11-slim"}
    final = final_stage()
    (user,) = [args for op, args in final if op == "USER"]
    assert user.split(":")[0] not in {"root", "0"}
    assert [json.loads(a) for op, a in final if op == "ENTRYPOINT"] == [["clipbridge"]]
    assert [json.loads(a) for op, a in final if op == "CMD"] == [["run"]]
    code = healthcheck_code()
    assert "/healthz" in code
    assert f"'HEALTH_PORT', '{HEALTH_PORT_DEFAULT}'" in code
    exposed = {int(port) for op, args in final if op == "EXPOSE" for port in args.split()}
    assert HEALTH_PORT_DEFAULT in exposed
    for op, args in steps:
        if op in {"ENV", "ARG"}:
            assert not re.search(r"TOKEN|SECRET|PASSWORD", args, re.IGNORECASE)


def test_the_image_installs_exactly_the_lock() -> None:
    runs = [args for op, args in dockerfile() if op == "RUN"]
    installs = [run for run in runs if re.search(r"\b(pip|uv)( \S+)* (install|wheel|sync)\b", run)]
    syncs = [run for run in installs if "uv sync" in run]
    assert syncs, "the image's dependencies come from uv.lock"
    assert all("--locked" in run and "--extra" not in run for run in syncs), syncs
    for run in installs:
        if "pip install" in run:
            assert "--require-hashes" in run and "uv_requirement.py" in run, run
    copies = [args for op, args in final_stage() if op == "COPY"]
    assert any(c.startswith("--from=build /opt/clipbridge") for c in copies), copies


def test_the_build_context_admits_the_sources_and_no_secret() -> None:
    sources = [
        token
        for op, args in dockerfile()
        if op == "COPY" and "--from" not in args
        for token in shlex.split(args)[:-1]
    ]
    assert sources
    for source in [*sources, "core/settings.py", "bots/cli.py", "engine/api/server.py"]:
        assert not dockerignored(source), source
    for secret in [".env", "deploy/.env", ".venv/bin/python", "var/work/a.mp4", "core/.env"]:
        assert dockerignored(secret), secret
    assert dockerignored("core/__pycache__/settings.cpython-311.pyc")


class _Health(BaseHTTPRequestHandler):
    status = 200

    def do_GET(self) -> None:
        self.send_response(self.status if self.path == "/healthz" else 404)
        self.end_headers()

    def log_message(self, format: str, *args: Any) -> None:
        pass


@pytest.mark.parametrize(("status", "healthy"), [(200, True), (503, False)])
def test_the_image_healthcheck_follows_healthz(status: int, healthy: bool) -> None:
    handler = type("Handler", (_Health,), {"status": status})
    server = HTTPServer(("127.0.0.1", 0), handler)
    thread = Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        env = {k: v for k, v in os.environ.items() if "proxy" not in k.lower()}
        env["HEALTH_PORT"] = str(server.server_address[1])
        check = [sys.executable, "-c", healthcheck_code()]
        done = subprocess.run(check, env=env, capture_output=True, timeout=30, check=False)
    finally:
        server.shutdown()
        server.server_close()
    assert (done.returncode == 0) is healthy, done.stderr


def test_the_image_healthcheck_passes_when_the_health_server_is_off() -> None:
    env = {**os.environ, "HEALTH_PORT": "0"}
    check = [sys.executable, "-c", healthcheck_code()]
    assert subprocess.run(check, env=env, timeout=30, check=False).returncode == 0


def test_the_systemd_unit_runs_a_role_as_its_own_user() -> None:
    unit = systemd_unit()
    service = unit["Service"]
    program, role = shlex.split(service["ExecStart"])
    assert (Path(program).name, role) == ("clipbridge", "%i")
    assert service["User"] not in {"root", "0"}
    assert service["EnvironmentFile"]
    assert service["Restart"] == "on-failure"
    assert service["KillSignal"] == "SIGTERM"
    assert int(service["TimeoutStopSec"]) >= 30
    assert service["NoNewPrivileges"] == "yes"
    assert service["ProtectSystem"] == "strict"
    assert unit["Install"]["WantedBy"] == "multi-user.target"


def test_the_compose_recipe_makes_an_env_that_uses_the_engine_service(tmp_path: Path) -> None:
    """README's first compose step, run as written: the deploy/.env it makes leaves the backend
    empty, which compose.yaml turns into its engine service, never "local"."""
    readme = (ROOT / "README.md").read_text()
    (step,) = [line for line in readme.splitlines() if line.startswith("sed ") and ".env" in line]
    (tmp_path / "deploy").mkdir()
    (tmp_path / ".env.example").write_text((ROOT / ".env.example").read_text())
    subprocess.run(["sh", "-c", step.partition("#")[0]], cwd=tmp_path, check=True)
    made = (tmp_path / "deploy" / ".env").read_text().splitlines()
    assert "NEMO_API_BASE=" in made and "NEMO_API_BASE=local" not in made
    service = yaml.safe_load((DEPLOY / "compose.yaml").read_text())["x-clipbridge"]
    assert service["environment"]["NEMO_API_BASE"] == "${NEMO_API_BASE:-http://engine:8700}"
