package nixstore

// API CONTRACT between nixstore and its users (leak, cli). The nixstore work fills
// in the bodies and may add to them; changing these signatures means telling every user.

// Derivation is a parsed .drv file.
type Derivation struct {
	Outputs   []Output            // in file order
	InputDrvs map[string][]string // drv path -> output names
	InputSrcs []string
	System    string
	Builder   string
	Args      []string
	Env       []EnvVar // in file order; the "derivation attributes"

	// Version is "" for the classic Derive(...) form and "xp-dyn-drv" for
	// DrvWithVersion("xp-dyn-drv",...) (dynamic derivations, newer Nix).
	Version string

	spans       []Span // every string literal of the parsed file, in file order (see Locate)
	jsonLiteral []byte // the raw __json literal of structured attributes, if any
}

// Output is one output of a derivation.
type Output struct {
	Name, Path, HashAlgo, Hash string
}

// EnvVar is one environment entry of a derivation (an attribute, as Nix passes it).
type EnvVar struct {
	Name, Value string
}

// ParseDerivation (derivation.go) parses the ATerm text of a .drv file; errors give the byte
// offset. Derivation.Locate maps a byte offset of the raw file to the attribute holding it.

// Closure returns the store paths in the closure of paths (nix-store -qR), sorted.
func Closure(paths ...string) ([]string, error) { return closure(paths) }

// Outputs returns the output paths of a derivation, sorted: read from the .drv when it names
// them, else from nix-store -q --outputs DRV (floating content-addressed outputs).
func Outputs(drvPath string) ([]string, error) { return outputs(drvPath) }

// InputSources returns the inputSrcs of the derivation at drvPath, read from the .drv: the
// store paths it uses directly that no derivation built (path literals such as ./token,
// builtins.toFile, builtins.path).
func InputSources(drvPath string) ([]string, error) { return inputSources(drvPath) }

// LogDir is Nix's build log directory (/nix/var/log/nix/drvs, or under $NIX_LOG_DIR).
func LogDir() string { return logDir() }

// BuildLogPath returns where Nix keeps the log of drvPath (LogDir()/<2 chars>/<rest>[.bz2]),
// and whether it exists.
func BuildLogPath(drvPath string) (string, bool) { return buildLogPath(drvPath) }

// IsStorePath reports whether p is a path directly in the Nix store (/nix/store/<hash>-<name>).
func IsStorePath(p string) bool { return isStorePath(p) }
