"""What users deploy: the locks are complete and fresh against what we choose, the runtime
imports only what the runtime lock installs, and the Debian packages are listed once and
installed by the Dockerfile."""

import ast
import importlib.metadata
import re
import shlex
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
from django.conf import settings
from packaging.requirements import Requirement
from packaging.utils import canonicalize_name

ROOT = Path(settings.BASE_DIR)
# pip's own tooling, which pip-compile leaves out unless asked (--allow-unsafe pins it)
INSTALLER = {"pip", "setuptools", "wheel"}
# every package of the application at the top of the repository (the tests and benchmarks are
# not deployed code); read from the tree so that a new app is scanned from its first commit
APPS = sorted(path.parent.name for path in ROOT.glob("*/__init__.py") if path.parent.name not in {"tests", "bench"})


# --- the locks -------------------------------------------------------------------------------


def chosen(path: Path) -> list[Requirement]:
    """The requirements of a ``.in`` file and the ``.in`` files it includes with ``-r``."""
    found = []
    for line in path.read_text().splitlines():
        line = line.split("#", 1)[0].strip()
        if not line or line.startswith("-c"):
            continue
        if line.startswith("-r"):
            found += chosen(path.parent / line[2:].strip())
        else:
            found.append(Requirement(line))
    return found


def pinned(path: Path) -> dict[str, tuple[str, int]]:
    """name -> (version, number of hashes) of a compiled file."""
    pins, current = {}, None
    for line in path.read_text().splitlines():
        match = re.match(r"^([A-Za-z0-9._-]+)==(\S+)", line)
        if match:
            current = canonicalize_name(match[1])
            pins[current] = (match[2], 0)
        elif current and "--hash=sha256:" in line:
            pins[current] = (pins[current][0], pins[current][1] + line.count("--hash=sha256:"))
    return pins


def closure(requirements: list[Requirement]) -> set[str]:
    """Every distribution the requirements bring, extras included, read from the installed
    packages' metadata (this environment was installed from the development lock)."""
    seen: set[str] = set()
    todo = [(requirement, frozenset(requirement.extras)) for requirement in requirements]
    while todo:
        requirement, extras = todo.pop()
        name = canonicalize_name(requirement.name)
        key = f"{name}[{','.join(sorted(extras))}]"
        if key in seen:
            continue
        seen.add(key)
        for line in importlib.metadata.requires(name) or []:
            dependency = Requirement(line)
            if dependency.marker and not any(
                dependency.marker.evaluate({"extra": extra}) for extra in (extras or {""})
            ):
                continue
            todo.append((dependency, frozenset(dependency.extras)))
    return {key.split("[")[0] for key in seen}


@pytest.mark.parametrize(
    ("source", "lock"), [("requirements.in", "requirements.txt"), ("requirements-dev.in", "requirements-dev.txt")]
)
def test_each_lock_is_fresh_against_what_we_choose(source, lock):
    """Run `make lock` when this fails: the compiled file no longer matches its .in file."""
    requirements = chosen(ROOT / source)
    pins = pinned(ROOT / lock)
    for requirement in requirements:
        name = canonicalize_name(requirement.name)
        assert name in pins, f"{requirement} is in {source} but not in {lock}: run `make lock`"
        assert requirement.specifier.contains(pins[name][0], prereleases=True), (
            f"{lock} pins {name}=={pins[name][0]}, outside {requirement} of {source}: run `make lock`"
        )
    wanted = closure(requirements)
    assert set(pins) - INSTALLER == wanted - INSTALLER, (
        f"{lock} is stale against {source} (missing: {sorted(wanted - set(pins))}, "
        f"no longer needed: {sorted(set(pins) - wanted - INSTALLER)}): run `make lock`"
    )
    assert all(count for _version, count in pins.values()), "every pin carries its hashes"


def test_the_development_lock_keeps_the_runtime_pins():
    runtime, development = pinned(ROOT / "requirements.txt"), pinned(ROOT / "requirements-dev.txt")
    assert {name: pin[0] for name, pin in runtime.items()} == {name: development[name][0] for name in runtime}


def test_kombus_redis_transport_is_in_the_runtime_lock():
    """The finding that opened the production-truth issue: Kombu's Redis transport imports
    ``packaging``, which Kombu declares only under its ``redis`` extra."""
    source = Path(importlib.metadata.distribution("kombu").locate_file("kombu/transport/redis.py")).read_text()
    assert "from packaging" in source
    assert {"packaging", "redis"} <= set(pinned(ROOT / "requirements.txt"))


def runtime_modules() -> dict[str, set[str]]:
    """Top-level names the application imports at run time (not the tests, benchmarks or
    migrations' Django internals), by module name, with the files that import them."""
    ours = set(APPS)
    found: dict[str, set[str]] = {}
    for app in APPS:
        for path in (ROOT / app).rglob("*.py"):
            tree = ast.parse(path.read_text(), filename=str(path))
            for node in ast.walk(tree):
                if isinstance(node, ast.Import):
                    names = [alias.name for alias in node.names]
                elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
                    names = [node.module]
                else:
                    continue
                for name in names:
                    top = name.split(".")[0]
                    if top not in ours and top not in sys.stdlib_module_names:
                        found.setdefault(top, set()).add(str(path.relative_to(ROOT)))
    # what settings name by dotted path: apps, middleware, backends, Celery's broker transport
    dotted = [
        *settings.INSTALLED_APPS,
        *settings.MIDDLEWARE,
        *settings.AUTHENTICATION_BACKENDS,
        *(engine["BACKEND"] for engine in settings.TEMPLATES),
        *(store["BACKEND"] for store in settings.STORAGES.values()),
        settings.REST_FRAMEWORK["DEFAULT_SCHEMA_CLASS"],
        *settings.REST_FRAMEWORK["DEFAULT_FILTER_BACKENDS"],
        "django.core.cache.backends.redis.RedisCache",
        "kombu.transport.redis",
        "psycopg2",  # what Django's PostgreSQL backend imports
        "gunicorn",  # the Dockerfile's web server
    ]
    for name in dotted:
        top = name.split(".")[0]
        if top not in ours:
            found.setdefault(top, set()).add("servicedesk/settings.py")
    return found


def test_the_runtime_imports_only_what_the_runtime_lock_installs():
    runtime = set(pinned(ROOT / "requirements.txt"))
    development_only = set(pinned(ROOT / "requirements-dev.txt")) - runtime
    distributions = importlib.metadata.packages_distributions()
    strays = {}
    for module, files in runtime_modules().items():
        owners = {canonicalize_name(name) for name in distributions.get(module, [])}
        assert owners, f"{module} (imported by {sorted(files)}) belongs to no installed distribution"
        if not owners & runtime:
            strays[module] = (sorted(owners & development_only) or sorted(owners), sorted(files))
    assert not strays, f"imported at run time but not in requirements.txt: {strays}"


# --- Debian packages -----------------------------------------------------------------------


def listed(purpose: str) -> list[str]:
    rows = [line.split() for line in (ROOT / "deploy/debian-packages.txt").read_text().splitlines()]
    return [row[0] for row in rows if len(row) >= 2 and not row[0].startswith("#") and row[1] == purpose]


def test_the_install_script_reads_the_one_list():
    for purpose in ("runtime", "host", "test"):
        printed = subprocess.run(
            [str(ROOT / "deploy/install-debian-packages"), "--list", purpose],
            capture_output=True,
            text=True,
            check=True,
        ).stdout.split()
        assert printed == listed(purpose) and printed, purpose
    assert {"gettext", "fonts-wqy-microhei", "postgresql-client"} <= set(listed("runtime"))


def dockerfile_steps() -> list[tuple[str, str]]:
    """(instruction, arguments) of the Dockerfile, continuation lines joined."""
    text = re.sub(r"\\\n", " ", (ROOT / "Dockerfile").read_text())
    steps = []
    for line in text.splitlines():
        line = line.strip()
        if line and not line.startswith("#"):
            instruction, _space, arguments = line.partition(" ")
            steps.append((instruction.upper(), arguments.strip()))
    return steps


def test_the_dockerfile_installs_the_runtime_packages_and_the_runtime_lock():
    steps = dockerfile_steps()
    copied = [arguments.split()[:-1] for instruction, arguments in steps if instruction == "COPY"]
    runs = [(index, arguments) for index, (instruction, arguments) in enumerate(steps) if instruction == "RUN"]
    # the list and the script are copied in, and the script installs the runtime ones
    assert any({"deploy/debian-packages.txt", "deploy/install-debian-packages"} <= set(paths) for paths in copied)
    installs = [arguments for _index, arguments in runs if "install-debian-packages" in arguments]
    assert installs, "the Dockerfile no longer installs deploy/debian-packages.txt"
    words = shlex.split(installs[0].split("&&")[0])
    assert words[0].endswith("install-debian-packages") and words[1:] == ["runtime"]
    # nothing else installs Debian packages behind the list's back
    assert not [arguments for _index, arguments in runs if "apt-get install" in arguments]
    pip = [arguments for _index, arguments in runs if "pip install" in arguments]
    assert len(pip) == 1 and "--require-hashes" in pip[0] and "-r requirements.txt" in pip[0]
    assert "requirements-dev" not in " ".join(arguments for _instruction, arguments in steps)


def owner(path: str) -> str:
    found = subprocess.run(["dpkg", "-S", path], capture_output=True, text=True)
    assert found.returncode == 0, f"no Debian package owns {path}"
    return found.stdout.split(":")[0]


def brought_by(package: str, seen: set[str] | None = None) -> set[str]:
    """The package and what it depends on, installed, all the way down."""
    seen = set() if seen is None else seen
    seen.add(package)
    depends = subprocess.run(["dpkg-query", "-W", "-f=${Depends}", package], capture_output=True, text=True).stdout
    for item in depends.replace("|", ",").split(","):
        name = re.split(r"[\s(:]", item.strip())[0]
        if name and name not in seen:
            brought_by(name, seen)
    return seen


def test_what_the_runtime_runs_comes_from_a_listed_package():
    """msgfmt, pg_dump and pg_restore, the PDF font and the LDAP libraries python-ldap was built
    against: each file the runtime uses is owned by a package of the runtime list (or one it
    depends on)."""
    runtime = set().union(*(brought_by(package) for package in listed("runtime")))
    binaries = [shutil.which("msgfmt"), shutil.which("pg_dump"), shutil.which("pg_restore")]
    assert all(binaries), binaries
    for path in [*binaries, settings.PDF_FONT, *linked_libraries(ldap_extension(), "libldap", "liblber", "libsasl2")]:
        assert owner(str(Path(path).resolve())) in runtime, path


def ldap_extension() -> str:
    """python-ldap's compiled module: built at install time against the system's libldap."""
    import _ldap

    return _ldap.__file__


def linked_libraries(binary: str, *names: str) -> list[str]:
    """The shared libraries of ``binary`` whose names start with one of ``names``, resolved by ldd."""
    found = {}
    for line in subprocess.run(["ldd", binary], capture_output=True, text=True, check=True).stdout.splitlines():
        name, _arrow, rest = line.strip().partition(" => ")
        if name.startswith(names) and rest.startswith("/"):
            found[name] = rest.split(" (")[0]
    assert all(any(name.startswith(wanted) for name in found) for wanted in names), (binary, found)
    return list(found.values())
