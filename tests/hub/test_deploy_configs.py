"""deploy/: the TLJH and Z2JH files parse, use the charts' keys, and set every learner's environment."""
from __future__ import annotations

import os
from pathlib import Path
from types import SimpleNamespace

import pytest
import yaml

ROOT = Path(__file__).resolve().parents[2]
DEPLOY = ROOT / "deploy"
SNIPPET = DEPLOY / "tljh" / "jupyterhub_config.d" / "kit.py"
LOCAL = DEPLOY / "local" / "jupyterhub_config.py"
traitlets_config = pytest.importorskip("traitlets.config")

# Keys of the charts' values (TLJH 1.x config.yaml, Z2JH 4.x values.schema.yaml) that these files use.
TLJH_KEYS = {"auth", "users", "limits", "https", "user_environment", "services", "http", "traefik_api"}
Z2JH_KEYS = {
    "": {"hub", "proxy", "singleuser", "scheduling", "prePuller", "ingress", "cull", "debug", "rbac",
         "imagePullSecret", "imagePullSecrets", "global", "custom", "fullnameOverride", "nameOverride"},
    "hub": {"config", "extraEnv", "extraConfig", "db", "image", "resources", "networkPolicy", "services",
            "loadRoles", "baseUrl", "cookieSecret", "concurrentSpawnLimit", "activeServerLimit"},
    "singleuser": {"image", "defaultUrl", "extraEnv", "lifecycleHooks", "cpu", "memory", "storage",
                   "startTimeout", "profileList", "cmd", "networkPolicy", "initContainers", "uid", "fsGid"},
    "cull": {"enabled", "timeout", "every", "users", "maxAge", "concurrency", "adminUsers", "removeNamedServers"},
    "scheduling": {"userScheduler", "podPriority", "userPlaceholder", "corePods", "userPods"},
    "prePuller": {"hook", "continuous", "extraImages", "pullProfileListImages"},
    "proxy": {"https", "service", "chp", "traefik", "secretToken"},
}


def load_config(path: Path, env: dict, monkeypatch) -> "traitlets_config.Config":
    for key in [k for k in os.environ if k.startswith("KIT_")]:
        monkeypatch.delenv(key)
    for key, value in env.items():
        monkeypatch.setenv(key, value)
    loader = traitlets_config.PyFileConfigLoader(path.name, path=str(path.parent))
    return loader.load_config()


@pytest.fixture
def secrets(tmp_path):
    files = {"KIT_PROGRESS_URL_FILE": ("progress-url", "postgresql://kit:pw@db.example.org/kit\n"),
             "KIT_LEARNER_PASSWORD_FILE": ("learner-password", "\nworkshop-2026\n"),
             "KIT_TRAINER_PASSWORD_FILE": ("trainer-password", "t" * 40)}
    env = {}
    for variable, (name, text) in files.items():
        (tmp_path / name).write_text(text)
        env[variable] = str(tmp_path / name)
    return env


def resolved(value):
    """A ``c.X.y.update(...)`` on an unset dict is lazy until the hub applies it to the default {}."""
    return value.get_value({}) if isinstance(value, traitlets_config.LazyConfigValue) else value


def spawner(name: str):
    return SimpleNamespace(user=SimpleNamespace(name=name))


def test_tljh_snippet_points_every_learner_at_the_one_store_under_the_hub_name(secrets, monkeypatch):
    c = load_config(SNIPPET, {**secrets, "KIT_LANG": "en"}, monkeypatch)
    env = resolved(c.Spawner.environment)
    assert env["KIT_PROGRESS_URL"] == "postgresql+psycopg://kit:pw@db.example.org/kit"
    assert env["KIT_LANG"] == "en"
    assert env["KIT_LEARNER"](spawner("alice")) == "alice"
    assert env["KIT_LEARNER"](spawner("张三")) == "张三"
    assert c.Spawner.default_url == "/lab"
    assert c.SharedPasswordAuthenticator.user_password == "workshop-2026"
    assert c.SharedPasswordAuthenticator.admin_password == "t" * 40


def test_tljh_snippet_without_password_files_leaves_authentication_alone(secrets, monkeypatch, tmp_path):
    only_store = {"KIT_PROGRESS_URL_FILE": secrets["KIT_PROGRESS_URL_FILE"],
                  "KIT_LEARNER_PASSWORD_FILE": str(tmp_path / "absent"),
                  "KIT_TRAINER_PASSWORD_FILE": str(tmp_path / "absent")}
    c = load_config(SNIPPET, only_store, monkeypatch)
    assert "SharedPasswordAuthenticator" not in c
    assert resolved(c.Spawner.environment)["KIT_PROGRESS_URL"].startswith("postgresql+psycopg://")


def test_tljh_snippet_refuses_to_start_without_the_store_url_naming_the_file(monkeypatch, tmp_path):
    missing = tmp_path / "progress-url"
    with pytest.raises(RuntimeError, match=f"missing: write it to {missing}"):
        load_config(SNIPPET, {"KIT_PROGRESS_URL_FILE": str(missing)}, monkeypatch)


def test_tljh_snippet_refuses_sqlite_store(monkeypatch, tmp_path):
    (tmp_path / "url").write_text("sqlite:////srv/progress.sqlite")
    with pytest.raises(RuntimeError, match="expected postgresql"):
        load_config(SNIPPET, {"KIT_PROGRESS_URL_FILE": str(tmp_path / "url")}, monkeypatch)


def test_local_config_loads_the_tljh_snippet_and_keeps_everything_under_its_state_folder(secrets, monkeypatch, tmp_path):
    state = tmp_path / "state"
    c = load_config(LOCAL, {**secrets, "KIT_HUB_STATE": str(state), "KIT_HUB_PORT": "18000",
                            "KIT_HUB_TRAINERS": "trainer, assistant", "KIT_HUB_PROXY": "/opt/chp"}, monkeypatch)
    assert c.JupyterHub.ip == "127.0.0.1" and c.JupyterHub.port == 18000
    assert c.JupyterHub.authenticator_class == "shared-password" and c.Authenticator.allow_all is True
    assert c.Authenticator.admin_users == {"trainer", "assistant"}
    assert c.JupyterHub.spawner_class == "simple"
    assert c.SimpleLocalProcessSpawner.home_dir_template == str(state.resolve() / "home" / "{username}")
    assert c.JupyterHub.db_url == f"sqlite:///{state.resolve() / 'jupyterhub.sqlite'}"
    assert c.ConfigurableHTTPProxy.command == ["/opt/chp"]
    assert resolved(c.Spawner.environment)["KIT_LEARNER"](spawner("bob")) == "bob"       # from kit.py


def test_tljh_config_yaml_parses_and_uses_tljh_keys():
    config = yaml.safe_load((DEPLOY / "tljh" / "config.yaml").read_text("utf-8"))
    assert set(config) <= TLJH_KEYS, set(config) - TLJH_KEYS
    assert config["auth"]["type"] == "jupyterhub.authenticators.shared.SharedPasswordAuthenticator"
    assert config["users"]["admin"] == ["trainer"]
    assert config["services"]["cull"]["enabled"] is True and config["services"]["cull"]["users"] is False
    commands = [line for line in (DEPLOY / "tljh" / "config.yaml").read_text("utf-8").splitlines()
                if line.startswith("#   sudo tljh-config set ")]
    assert len(commands) >= 10
    for line in commands:               # every documented command sets a key that is in the file
        key, value = line.split("tljh-config set ", 1)[1].split(" ", 1)
        node = config
        for part in key.split("."):
            assert part in node, f"{key} documented but not in config.yaml"
            node = node[part]
        assert str(node).lower() == value.strip().lower(), key


def test_z2jh_values_parse_use_chart_keys_and_take_the_store_from_a_secret():
    values = yaml.safe_load((DEPLOY / "z2jh" / "values.yaml").read_text("utf-8"))
    assert set(values) <= Z2JH_KEYS[""], set(values) - Z2JH_KEYS[""]
    for section, allowed in Z2JH_KEYS.items():
        if section:
            assert set(values.get(section, {})) <= allowed, (section, set(values[section]) - allowed)
    store = values["singleuser"]["extraEnv"]["KIT_PROGRESS_URL"]
    assert store == {"valueFrom": {"secretKeyRef": {"name": "kit-progress-store", "key": "url"}}}
    assert values["cull"]["enabled"] is True
    cpu = values["singleuser"]["cpu"]
    assert cpu["guarantee"] <= cpu["limit"]
    assert values["singleuser"]["lifecycleHooks"]["postStart"]["exec"]["command"][0] == "gitpuller"


def test_z2jh_extra_config_sets_learner_name_and_passwords(monkeypatch):
    values = yaml.safe_load((DEPLOY / "z2jh" / "values.yaml").read_text("utf-8"))
    monkeypatch.setenv("KIT_LEARNER_PASSWORD", "workshop-2026")
    monkeypatch.setenv("KIT_TRAINER_PASSWORD", "t" * 40)
    c = traitlets_config.Config()
    exec(compile(values["hub"]["extraConfig"]["kit"], "values.yaml:hub.extraConfig.kit", "exec"), {"c": c})
    assert resolved(c.KubeSpawner.environment)["KIT_LEARNER"](spawner("carol")) == "carol"
    assert c.SharedPasswordAuthenticator.user_password == "workshop-2026"
