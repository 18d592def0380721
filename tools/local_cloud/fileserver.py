"""The loopback static file server that web-download and task-import tests pull from."""

from .procs import run_logged
from .servers import Launch
from .settings import HOST


def launch(settings):
    argv = [
        settings.venv_bin("python"), "-m", "http.server",
        "--bind", HOST, str(settings.port("files")),
        "--directory", str(settings.files_dir),
    ]
    return Launch(argv=argv)


def initialize(settings):
    """A small real qcow2 file, so tests have a known-good URL (Glance inspects image bytes)."""
    settings.files_dir.mkdir(parents=True, exist_ok=True)
    if settings.tiny_qcow2.exists():
        return
    run_logged(["qemu-img", "create", "-f", "qcow2", str(settings.tiny_qcow2), "16M"],
               settings.log_file("qemu-img"), "qemu-img create")
