// Package rules reads sops' .sops.yaml configuration: it finds the file by walking up the
// directory tree, picks the first creation rule whose path_regex matches a file, and turns
// that rule into the recipients and encryption options a new (or updatekeys'd) sops file
// gets. It also reads the stores section (output indentation).
//
// It is not a general sops configuration library: destination_rules (sops publish) are
// ignored, and master key kinds hush cannot encrypt to (kms, gcp_kms, azure_keyvault,
// hc_vault_transit_uri, hckms) make a rule unusable with a clear error rather than being
// dropped silently.
package rules
