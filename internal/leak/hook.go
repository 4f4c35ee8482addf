package leak

import (
	"fmt"
	"strings"
)

// HookEnv is what Nix gives a post-build hook, and how to ask the store the rest.
type HookEnv struct {
	DrvPath  string // $DRV_PATH
	OutPaths string // $OUT_PATHS: space-separated; empty in Nix 2.8 (a Nix bug)
	// Outputs lists a derivation's output paths (nixstore.Outputs).
	Outputs func(drvPath string) ([]string, error)
	// InputSrcs lists a derivation's input sources (nixstore.InputSources): a path literal
	// such as tokenFile = ./token is copied into the store as one of them.
	InputSrcs func(drvPath string) ([]string, error)
	// BuildLog returns the log file of a derivation and whether it exists
	// (nixstore.BuildLogPath).
	BuildLog func(drvPath string) (string, bool)
}

// HookTargets returns what a post-build hook scans: the outputs of the derivation just
// built, its .drv, its input sources and its build log.
//
// The input sources are scanned on every run, not cached: a source tree is scanned at the
// scanner's speed (docs/leak-guard.md has the figures), and a cache of "clean" paths would have
// to be invalidated whenever the set of secrets changes.
func HookTargets(env HookEnv) ([]string, error) {
	if env.DrvPath == "" {
		return nil, fmt.Errorf("DRV_PATH is not set: --post-build-hook is meant to run as Nix's post-build-hook")
	}
	outs := strings.Fields(env.OutPaths)
	if len(outs) == 0 {
		var err error
		if outs, err = env.Outputs(env.DrvPath); err != nil {
			return nil, fmt.Errorf("outputs of %s: %w", env.DrvPath, err)
		}
	}
	targets := append(outs, env.DrvPath)
	if env.InputSrcs != nil {
		srcs, err := env.InputSrcs(env.DrvPath)
		if err != nil {
			return nil, fmt.Errorf("input sources: %w", err)
		}
		targets = append(targets, srcs...)
	}
	if env.BuildLog != nil {
		if log, ok := env.BuildLog(env.DrvPath); ok {
			targets = append(targets, log)
		}
	}
	return targets, nil
}
