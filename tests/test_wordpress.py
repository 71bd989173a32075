"""A stretch's URL pasted into a real WordPress post becomes a working, self-sizing embed.

Runs Debian's WordPress under PHP's built-in server on 127.0.0.2 with a private MariaDB (own
data folder and socket, no networking), and the built guide on 127.0.0.3.
"""

from __future__ import annotations

import contextlib
import functools
import http.server
import os
import shutil
import signal
import socket
import subprocess
import threading
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from stretchguide.cli import main
from stretchguide.serve import stop_process_group
from tests.conftest import copy_content, fresh_cache, require_debian_packages, wait_for
from tests.test_embeds_browser import HostedHandler

pytestmark = [pytest.mark.slow, pytest.mark.browser]

HERE = Path(__file__).resolve().parent / "wordpress"
WORDPRESS = Path("/usr/share/wordpress")
MARIADBD = next((p for p in ("/usr/sbin/mariadbd", "/usr/sbin/mysqld") if Path(p).exists()), "/usr/sbin/mariadbd")
WP_HOST, GUIDE_HOST = "127.0.0.2", "127.0.0.3"
STRETCH = "cat-cow"
#: WordPress's wp-embed.js clamps heights to this range.
WP_MIN, WP_MAX = 200, 1000


#: The Debian packages the test drives, and a file each one installs.
PACKAGES = (("wordpress", WORDPRESS / "wp-settings.php"), ("mariadb-server", Path(MARIADBD)),
            ("mariadb-server", Path("/usr/bin/mariadb-install-db")), ("php-cli", Path("/usr/bin/php")))


def _require_system_packages() -> None:
    """Skip without the Debian packages the test drives, unless this run could install them (root)."""
    missing = [name for name, path in PACKAGES if not path.exists()]
    if not missing and "mysqli" not in subprocess.run(["php", "-m"], capture_output=True, text=True).stdout:
        missing.append("php-mysql")
    require_debian_packages(missing, "running WordPress")


def _free_port(host: str) -> int:
    with socket.socket() as probe:
        probe.bind((host, 0))
        return int(probe.getsockname()[1])


def _copy_tree(src: Path, dest: Path) -> None:
    """Copy WordPress, hard-linking files where possible (fast, no extra space)."""
    def link_or_copy(source: str, target: str) -> None:
        try:
            os.link(source, target)
        except OSError:
            shutil.copy2(source, target)

    shutil.copytree(src, dest, copy_function=link_or_copy)


def _fill(template: Path, target: Path, values: dict[str, str]) -> None:
    text = template.read_text(encoding="utf-8")
    for key, value in values.items():
        text = text.replace(f"@{key}@", value)
    target.parent.mkdir(parents=True, exist_ok=True)
    if target.exists() or target.is_symlink():
        target.unlink()  # a hard link to the packaged file: never write through it
    target.write_text(text, encoding="utf-8")


class _Processes:
    """Processes this test started, stopped by their ids at the end."""

    def __init__(self) -> None:
        self.started: list[subprocess.Popen[bytes]] = []

    def start(self, args: list[str], log: Path, **kwargs: Any) -> subprocess.Popen[bytes]:
        # Its own process group: PHP's server forks workers, and they must stop with it.
        with log.open("wb") as out:
            process = subprocess.Popen(args, stdout=out, stderr=subprocess.STDOUT, start_new_session=True,
                                       **kwargs)
        self.started.append(process)
        return process

    def stop_all(self) -> None:
        for process in reversed(self.started):
            if process.poll() is None:
                stop_process_group(process, timeout=15)
            with contextlib.suppress(ProcessLookupError):
                os.killpg(process.pid, signal.SIGTERM)  # workers left behind by their parent


@pytest.fixture(scope="module")
def wordpress(tmp_path_factory: pytest.TempPathFactory) -> Iterator[dict[str, str]]:
    """WordPress with one published post whose content is only a stretch's URL."""
    _require_system_packages()
    root = tmp_path_factory.mktemp("wp")
    processes = _Processes()
    guide_server: http.server.ThreadingHTTPServer | None = None
    try:
        # The guide's address must be known before it is built, so its server starts first.
        site = root / "guide"
        handler = functools.partial(HostedHandler, directory=str(site))
        guide_server = http.server.ThreadingHTTPServer((GUIDE_HOST, 0), handler)
        threading.Thread(target=guide_server.serve_forever, daemon=True).start()
        guide_port = guide_server.server_address[1]
        guide_url = f"http://{GUIDE_HOST}:{guide_port}/"
        content = copy_content(root / "content", stretches=[STRETCH])  # the guide of the one stretch embedded
        assert main(["build", "--content", str(content), "--out", str(site), "--site-url", guide_url,
                     "--quiet", "--cache-dir", str(fresh_cache(tmp_path_factory))]) == 0

        # A private MariaDB: own data folder, socket in the test folder, no TCP port.
        data, sock = root / "db", root / "db.sock"
        user = ["--user=root"] if os.geteuid() == 0 else []
        subprocess.run(["mariadb-install-db", "--no-defaults", f"--datadir={data}", *user,
                        "--auth-root-authentication-method=normal", "--skip-test-db"],
                       check=True, capture_output=True)
        processes.start([MARIADBD, "--no-defaults", f"--datadir={data}", f"--socket={sock}",
                         "--skip-networking", f"--pid-file={root / 'db.pid'}", *user,
                         "--innodb-buffer-pool-size=16M", "--skip-log-bin"], root / "mariadb.log")
        client = ["mariadb", "--no-defaults", f"--socket={sock}", "-uroot"]
        wait_for(lambda: subprocess.run([*client, "-e", "SELECT 1"], capture_output=True).returncode == 0,
                 30, "MariaDB to accept connections")
        subprocess.run([*client, "-e", "CREATE DATABASE wordpress CHARACTER SET utf8mb4"], check=True)

        # WordPress: a copy of Debian's files with our own wp-config.php, theme and mu-plugin.
        wp_port = _free_port(WP_HOST)
        wp_url = f"http://{WP_HOST}:{wp_port}"
        wp_dir = root / "wordpress"
        _copy_tree(WORDPRESS, wp_dir)
        values = {"SOCKET": str(sock), "WP_URL": wp_url, "GUIDE_HOST": GUIDE_HOST, "GUIDE_PORT": str(guide_port)}
        _fill(HERE / "wp-config.php", wp_dir / "wp-config.php", values)
        _fill(HERE / "mu-plugins" / "stretchguide-loopback.php",
              wp_dir / "wp-content" / "mu-plugins" / "stretchguide-loopback.php", values)
        for name in ("style.css", "index.php"):
            _fill(HERE / "theme" / name, wp_dir / "wp-content" / "themes" / "stretchguide-test" / name, values)
        page_url = f"{guide_url}stretches/{STRETCH}/"
        installed = subprocess.run(["php", str(HERE / "install.php"), str(wp_dir), page_url],
                                   capture_output=True, text=True, timeout=120)
        assert installed.returncode == 0, installed.stdout + installed.stderr
        post_id = installed.stdout.strip().splitlines()[-1]

        processes.start(["php", "-S", f"{WP_HOST}:{wp_port}", "-t", str(wp_dir)], root / "php.log",
                        env={**os.environ, "PHP_CLI_SERVER_WORKERS": "4"})
        wait_for(lambda: _accepts(WP_HOST, wp_port), 30, "PHP's server to listen")
        yield {"post": f"{wp_url}/?p={post_id}", "guide": guide_url, "page": page_url}
    finally:
        processes.stop_all()
        if guide_server is not None:
            guide_server.shutdown()
            guide_server.server_close()


def _accepts(host: str, port: int) -> bool:
    with socket.socket() as probe:
        probe.settimeout(0.5)
        return probe.connect_ex((host, port)) == 0


def test_pasted_url_embeds_at_content_height(browser: Any, wordpress: dict[str, str]) -> None:
    page = browser.new_page(viewport={"width": 1280, "height": 1200})
    try:
        page.goto(wordpress["post"], timeout=60_000)
        iframe = page.locator("iframe.wp-embedded-content")
        assert iframe.count() == 1, page.content()
        assert iframe.get_attribute("sandbox") == "allow-scripts"
        assert (iframe.get_attribute("src") or "").startswith(f"{wordpress['guide']}embed/{STRETCH}/#?secret=")
        # wp-embed.js reveals the iframe and hides the fallback once the embed has spoken.
        page.wait_for_function("() => !document.querySelector('iframe.wp-embedded-content').hasAttribute('style')")
        assert page.locator("blockquote.wp-embedded-content").is_hidden()
        frame = next(f for f in page.frames if f"/embed/{STRETCH}/" in f.url)
        content = frame.evaluate("document.querySelector('.sg-embed').getBoundingClientRect().height")
        expected = min(max(content, WP_MIN), WP_MAX)

        def fitted() -> float:
            height = float(page.evaluate("document.querySelector('iframe.wp-embedded-content').clientHeight"))
            return height if abs(height - expected) <= 2 else 0.0

        height = wait_for(fitted, 10, f"the iframe to take the embed's height ({expected:.0f} px, content {content})")
        assert WP_MIN <= height <= WP_MAX
        if content > WP_MAX:
            # Capped by WordPress: the rest is reachable by scrolling inside the embed.
            assert frame.evaluate("document.querySelector('.sg-scroller').scrollHeight") > height

        # The link to the full page opens it in the top window.
        frame.click(".sg-embed__link")
        page.wait_for_url(wordpress["page"], timeout=15_000)
    finally:
        page.close()
