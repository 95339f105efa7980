"""The deployment files agree with the code: probe paths resolve, every environment variable is
one the settings read, and every container runs a command of the Procfile."""

from __future__ import annotations

import os
import re
import shlex
import shutil
import subprocess
import sys

import pytest
import yaml
from django.urls import Resolver404, resolve

from tests.processes import ROOT

K8S = ROOT / "deploy" / "k8s"


def manifests() -> list[dict]:
    docs = []
    for path in sorted(K8S.glob("*.yaml")):
        docs += [doc for doc in yaml.safe_load_all(path.read_text()) if doc]
    return docs


def containers(kind: str | None = None) -> list[dict]:
    found = []
    for doc in manifests():
        if kind and doc["kind"] != kind:
            continue
        spec = doc.get("spec", {}).get("template", {}).get("spec", {})
        found += spec.get("containers", [])
    return found


def procfile() -> dict[str, list[str]]:
    entries = {}
    for line in (ROOT / "Procfile").read_text().splitlines():
        if line.strip() and not line.startswith("#"):
            name, command = line.split(":", 1)
            entries[name.strip()] = shlex.split(command)
    return entries


def settings_variables() -> set[str]:
    """Every environment variable the settings and the server config read."""
    names = set()
    for source in ("roombooking/settings.py", "roombooking/test_settings.py", "gunicorn.conf.py"):
        text = (ROOT / source).read_text()
        names |= set(re.findall(r'config\.\w+\(\s*"([A-Z][A-Z0-9_]+)"', text))
        names |= set(re.findall(r'environ\.get\(\s*"([A-Z][A-Z0-9_]+)"', text))
        names |= set(re.findall(r'env\.\w+\(\s*"([A-Z][A-Z0-9_]+)"', text))
    return names


def test_manifests_parse_and_cover_every_part():
    kinds = {(doc["kind"], doc["metadata"]["name"]) for doc in manifests()}
    for expected in [
        ("Deployment", "roombooking-web"),
        ("Deployment", "roombooking-worker"),
        ("Deployment", "roombooking-beat"),
        ("Service", "roombooking-web"),
        ("Ingress", "roombooking"),
        ("Job", "roombooking-migrate"),
        ("HorizontalPodAutoscaler", "roombooking-web"),
        ("HorizontalPodAutoscaler", "roombooking-worker"),
    ]:
        assert expected in kinds


def test_web_probes_point_at_real_health_views():
    [web] = [c for c in containers("Deployment") if c["name"] == "web"]
    assert web["readinessProbe"]["httpGet"]["path"] == "/health/ready"
    assert web["livenessProbe"]["httpGet"]["path"] == "/health/live"
    for probe in ("readinessProbe", "livenessProbe"):
        path = web[probe]["httpGet"]["path"]
        try:
            resolve(path)
        except Resolver404:  # pragma: no cover - the assertion message is the point
            pytest.fail(f"{probe} path {path} is not in the URL conf")


def test_every_container_has_resource_requests_and_limits():
    for container in containers():
        assert {"cpu", "memory"} <= set(container["resources"]["requests"]), container["name"]
        assert {"cpu", "memory"} <= set(container["resources"]["limits"]), container["name"]


def test_every_pod_runs_as_non_root():
    for doc in manifests():
        spec = doc.get("spec", {}).get("template", {}).get("spec")
        if spec:
            assert spec["securityContext"]["runAsNonRoot"] is True, doc["metadata"]["name"]


def test_container_commands_match_the_procfile():
    procs = procfile()
    by_name = {c["name"]: c["command"] for c in containers()}
    assert by_name["web"] == procs["web"]
    assert by_name["worker"] == procs["worker"]
    assert by_name["beat"] == procs["beat"]
    assert by_name["migrate"] == procs["release"]


def test_the_scheduler_is_a_single_replica_that_is_replaced_not_rolled():
    [beat] = [d for d in manifests() if d["metadata"]["name"] == "roombooking-beat"]
    assert beat["spec"]["replicas"] == 1
    assert beat["spec"]["strategy"]["type"] == "Recreate"


def test_environment_names_in_manifests_and_compose_are_read_by_the_settings():
    known = settings_variables() | {"HOSTNAME"}
    used = set()
    for doc in manifests():
        if doc["kind"] in {"ConfigMap", "Secret"}:
            used |= set(doc.get("data", {})) | set(doc.get("stringData", {}))
    for container in containers():
        used |= {item["name"] for item in container.get("env", [])}
    compose = yaml.safe_load((ROOT / "compose.yaml").read_text())
    used |= set(compose["x-app"]["environment"])
    unknown = used - known
    assert not unknown, f"not read by the settings: {sorted(unknown)}"


def test_compose_runs_the_procfile_commands_and_every_service():
    compose = yaml.safe_load((ROOT / "compose.yaml").read_text())
    services = compose["services"]
    assert {"postgres", "redis", "mailpit", "migrate", "web", "worker", "beat"} <= set(services)
    procs = procfile()
    assert services["web"]["command"] == procs["web"]
    assert services["worker"]["command"] == procs["worker"]
    assert services["beat"]["command"] == procs["beat"]
    assert services["migrate"]["command"] == procs["release"]


def test_dockerfile_is_multi_stage_non_root_and_uses_requirements_txt():
    text = (ROOT / "Dockerfile").read_text()
    assert len(re.findall(r"^FROM ", text, re.M)) >= 2
    assert re.search(r"^USER 10001$", text, re.M)
    assert "COPY requirements.txt" in text
    assert "collectstatic" in text
    cmd = re.search(r"^CMD (.+)$", text, re.M).group(1)
    assert yaml.safe_load(cmd) == procfile()["web"]


@pytest.mark.skipif(
    shutil.which("docker") is None
    or subprocess.run(["docker", "compose", "version"], capture_output=True).returncode != 0,
    reason="the docker compose client is not installed here; the file is checked above",
)
def test_docker_compose_accepts_the_file():
    result = subprocess.run(
        ["docker", "compose", "-f", str(ROOT / "compose.yaml"), "config", "--quiet"],
        capture_output=True,
        text=True,
        env={"DJANGO_SECRET_KEY": "x", "PATH": "/usr/bin:/bin"},
    )
    assert result.returncode == 0, result.stderr


@pytest.mark.parametrize(
    ("cores", "given", "workers"),
    [(1, None, 2), (2, None, 3), (4, None, 5), (16, None, 8), (2, "6", 6)],
)
def test_web_workers_are_one_per_core_plus_one_unless_set(cores, given, workers):
    """gunicorn.conf.py's default (docs/performance.md: three processes on two cores gave a
    lower p99 at half load than four); WEB_CONCURRENCY overrides it. In a process of its own:
    the file turns the collector off while the application loads."""
    code = (
        "import multiprocessing, runpy\n"
        f"multiprocessing.cpu_count = lambda: {cores}\n"
        "print(runpy.run_path('gunicorn.conf.py')['workers'])\n"
    )
    env = {k: v for k, v in os.environ.items() if k != "WEB_CONCURRENCY"}
    if given is not None:
        env["WEB_CONCURRENCY"] = given
    found = subprocess.run(
        [sys.executable, "-c", code], cwd=ROOT, env=env, capture_output=True, text=True, check=True
    )
    assert int(found.stdout) == workers
