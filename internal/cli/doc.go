// Package cli builds hush's command tree. One file per command group: each parses flags, calls
// the packages below it and formats output (human text on stderr, --json on stdout). No
// business logic lives here.
package cli
