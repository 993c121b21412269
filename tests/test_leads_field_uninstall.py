import subprocess
from pathlib import Path

from odoo.tests import BaseCase, tagged


@tagged("post_install", "-at_install", "leads_uninstall")
class TestLeadsFieldUninstall(BaseCase):
    """A real uninstall, in a scratch database (scripts/check_uninstall.sh):
    custom lead fields, their data, views and saved filters all go away and the
    module installs again."""

    def test_real_uninstall_removes_custom_fields(self):
        root = Path(__file__).resolve().parent.parent
        script = root / "scripts" / "check_uninstall.sh"
        result = subprocess.run(
            [str(script)], capture_output=True, text=True, timeout=900, check=False
        )
        self.assertEqual(result.returncode, 0, result.stdout + result.stderr)
        self.assertIn("ok: no lead field left", result.stdout)
