// Package leak finds secret values where they must not be: in files, Nix store paths, .drv
// files and (bzip2-compressed) build logs, and masks them in live output.
//
// A PatternSet turns each secret into every form in which it commonly leaks (raw, base64 at
// each byte alignment, hex, percent, JSON, Nix and ATerm escaping, single lines of a
// multi-line value). A Matcher finds all of them in one pass over the bytes; a Scanner walks
// trees in parallel and reports Findings that name the secret and the encoding, never the
// value; a Redactor is an io.Writer that replaces every occurrence with [hush:NAME].
//
// It is not a general secret detector: it finds only the values it is given (no entropy
// heuristics, no "looks like an API key" rules). It does not decrypt anything; callers load
// the secrets (internal/cli does, from sops files, directories, value files, the environment).
package leak
