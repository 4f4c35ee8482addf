# hush's Nix library: helpers for private derivations, whose credentials never reach an
# attribute, the store or the log. Plain Nix (Nix 2.8 and later), no nixpkgs needed.
#
#   hushLib = import ./nix/lib;
#   hushLib.fetchurlPrivate { url = "https://example.com/f.tar.gz"; hash = "sha256-..."; }
#
# docs/private-derivations.md explains when to use which, and the nix.conf each needs.
{
  # builtin fetchurl + the netrc-file of nix.conf (hush nix-config --netrc-file).
  fetchurlPrivate = import ./fetchurl-private.nix;
  # A fixed-output derivation whose builder reads $credentialFile (outside the store).
  privateFixedOutput = import ./private-fixed-output.nix;
  # curl in privateFixedOutput, with a netrc or header file.
  fetchurlWithCredentialFile = import ./fetchurl-credential-file.nix;
  # The checks, for use in your own helpers.
  checks = import ./checks.nix;
}
