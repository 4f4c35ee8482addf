// Package template renders config files that embed secret values, replacing placeholders in
// one pass over the template bytes.
//
// Two placeholder syntaxes are understood:
//
//	<hush:NAME>                               hush's own: the value of secret NAME
//	<SOPS:SHA256HEX(NAME):PLACEHOLDER>        sops-nix's default (config.sops.placeholder.NAME)
//
// plus any literal placeholder strings a manifest assigns to secrets (sops-nix's
// placeholderBySecretName). Substituted values are never scanned again, so a secret whose
// value looks like a placeholder is copied verbatim, and overlapping placeholders resolve to
// the longest match at the leftmost position: the result does not depend on map order.
//
// It is not a general template language: no conditionals, no escaping, no functions. Errors
// name the template and the placeholder's byte offset, never a value.
package template
