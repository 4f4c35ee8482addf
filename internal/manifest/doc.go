// Package manifest reads, validates and resolves install manifests: hush's own manifest v1
// (docs/manifest.md, docs/manifest.schema.json) and sops-nix's manifest.json, which it
// auto-detects and converts into the same *Manifest.
//
// Everything a manifest can get wrong is reported by Parse, before anything on the host is
// touched, with errors naming the file, the entry and the field. The result is fully
// resolved (defaults applied), so the installer never re-derives a default.
//
// It is not the installer: it reads no source file, resolves no user name and decrypts
// nothing. Template placeholder syntax lives in internal/template.
package manifest
