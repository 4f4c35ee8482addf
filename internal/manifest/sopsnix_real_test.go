package manifest

import (
	"os"
	"os/exec"
	"path/filepath"
	"testing"
)

// With SOPS_INSTALL_SECRETS=/path/to/sops-install-secrets (sops-nix's own installer), check
// that the hand-written sops-nix fixtures are manifests sops-nix itself accepts, so the
// semantics tests above test real input. Optional: CI does not ship sops-nix, so this skips
// rather than failing under HUSH_REQUIRE_ALL.
func TestSopsNixFixturesAcceptedBySopsNix(t *testing.T) {
	bin := os.Getenv("SOPS_INSTALL_SECRETS")
	if bin == "" {
		t.Skip("set SOPS_INSTALL_SECRETS to sops-nix's sops-install-secrets to run")
	}
	files, _ := filepath.Glob("testdata/sops-nix-*.json")
	for _, f := range files {
		out, err := exec.Command(bin, "-check-mode=manifest", f).CombinedOutput()
		if err != nil {
			t.Errorf("%s: sops-install-secrets -check-mode=manifest: %v\n%s", f, err, out)
		}
	}
}
