package nixstore

// API CONTRACT (skeleton) between nixstore and its users (leak, cli). The nixstore work fills
// in the bodies and may add to them; changing these signatures means telling every user.

import "errors"

var errTODO = errors.New("nixstore: not implemented yet")

// Derivation is a parsed .drv file.
type Derivation struct {
	Outputs   []Output            // in file order
	InputDrvs map[string][]string // drv path -> output names
	InputSrcs []string
	System    string
	Builder   string
	Args      []string
	Env       []EnvVar // in file order; the "derivation attributes"
}

// Output is one output of a derivation.
type Output struct {
	Name, Path, HashAlgo, Hash string
}

// EnvVar is one environment entry of a derivation (an attribute, as Nix passes it).
type EnvVar struct {
	Name, Value string
}

// ParseDerivation parses the ATerm text of a .drv file. Errors give the byte offset.
func ParseDerivation(data []byte) (*Derivation, error) { return nil, errTODO }

// Closure returns the store paths in the closure of paths (nix-store -qR), sorted.
func Closure(paths ...string) ([]string, error) { return nil, errTODO }

// Outputs returns the output paths of a derivation (nix-store -q --outputs DRV).
func Outputs(drvPath string) ([]string, error) { return nil, errTODO }

// LogDir is Nix's build log directory (/nix/var/log/nix/drvs, or under $NIX_LOG_DIR).
func LogDir() string { return "/nix/var/log/nix/drvs" }

// BuildLogPath returns where Nix keeps the log of drvPath (LogDir()/<2 chars>/<rest>[.bz2]),
// and whether it exists.
func BuildLogPath(drvPath string) (string, bool) { return "", false }

// IsStorePath reports whether p is a path directly in the Nix store (/nix/store/<hash>-<name>).
func IsStorePath(p string) bool { return false }
