#!/usr/bin/perl
# A BuildKit SBOM generator (docs/attestations/sbom-protocol.md in moby/buildkit):
# reads the dpkg database of each scanned root filesystem and writes one SPDX 2.3
# document per filesystem, wrapped in an in-toto statement, to
# $BUILDKIT_SCAN_DESTINATION/<name>.spdx.json.
#
# Why Perl: perl-base is part of every Debian image, even -slim, so this generator
# image is a plain COPY onto debian:bookworm-slim: no package download, no emulated
# RUN, and it works offline, unlike the default docker/buildkit-syft-scanner.
use strict;
use warnings;
use POSIX qw(strftime);
use File::Basename qw(basename);

my $TOOL = "bake-dpkg-spdx-1.0";

sub json_string {
    my ($text) = @_;
    $text = "" unless defined $text;
    $text =~ s/\\/\\\\/g;
    $text =~ s/"/\\"/g;
    $text =~ s/\n/\\n/g;
    $text =~ s/\r/\\r/g;
    $text =~ s/\t/\\t/g;
    $text =~ s/([\x00-\x1f\x7f])/sprintf("\\u%04x", ord($1))/ge;
    return "\"$text\"";
}

sub json_object {    # ordered: a list of key => already-encoded value
    my @pairs = @_;
    my @parts;
    while (@pairs) {
        my ($key, $value) = splice(@pairs, 0, 2);
        push @parts, json_string($key) . ":" . $value;
    }
    return "{" . join(",", @parts) . "}";
}

sub json_array { return "[" . join(",", @_) . "]"; }

# Installed packages from var/lib/dpkg/status: a list of field hashes.
sub read_packages {
    my ($root) = @_;
    my $status = "$root/var/lib/dpkg/status";
    return () unless -f $status;
    open(my $fh, "<", $status) or die "cannot read $status: $!\n";
    local $/ = "";    # paragraph mode: one stanza per read
    my @packages;
    while (my $stanza = <$fh>) {
        my %field;
        my $last;
        for my $line (split /\n/, $stanza) {
            if ($line =~ /^([A-Za-z0-9-]+):\s*(.*)$/) { $last = $1; $field{$1} = $2; }
            elsif (defined $last) { $field{$last} .= "\n$line"; }
        }
        next unless ($field{Status} // "") =~ /\binstalled$/ && $field{Package};
        push @packages, \%field;
    }
    close($fh);
    return sort { $a->{Package} cmp $b->{Package} } @packages;
}

sub distro {
    my ($root) = @_;
    my ($id, $version) = ("debian", "");
    if (open(my $fh, "<", "$root/etc/os-release")) {
        while (my $line = <$fh>) {
            $id = $1 if $line =~ /^ID="?([^"\n]+)"?/;
            $version = $1 if $line =~ /^VERSION_ID="?([^"\n]+)"?/;
        }
        close($fh);
    }
    return ($id, $version);
}

sub percent_encode {
    my ($text) = @_;
    $text =~ s/([^A-Za-z0-9._~-])/sprintf("%%%02X", ord($1))/ge;
    return $text;
}

sub package_json {
    my ($pkg, $index, $id, $version) = @_;
    my $name = $pkg->{Package};
    my $arch = $pkg->{Architecture} // "";
    my $spdxid = "SPDXRef-Package-deb-" . ($name =~ s/[^A-Za-z0-9.-]/-/gr) . "-$index";
    my $purl = "pkg:deb/$id/" . percent_encode($name) . "@" . percent_encode($pkg->{Version} // "")
        . "?arch=" . percent_encode($arch) . ($version ne "" ? "&distro=$id-$version" : "");
    # SPDX wants "Person: name (email)"; dpkg says "name <email>".
    my $supplier = $pkg->{Maintainer} ? "Person: " . ($pkg->{Maintainer} =~ s/\s*<([^>]*)>/ ($1)/r) : "NOASSERTION";
    return ($spdxid, json_object(
        name => json_string($name),
        SPDXID => json_string($spdxid),
        versionInfo => json_string($pkg->{Version} // ""),
        supplier => json_string($supplier),
        downloadLocation => json_string("NOASSERTION"),
        filesAnalyzed => "false",
        licenseConcluded => json_string("NOASSERTION"),
        licenseDeclared => json_string("NOASSERTION"),
        copyrightText => json_string("NOASSERTION"),
        externalRefs => json_array(json_object(
            referenceCategory => json_string("PACKAGE-MANAGER"),
            referenceType => json_string("purl"),
            referenceLocator => json_string($purl),
        )),
    ));
}

sub scan {
    my ($root, $name, $created) = @_;
    my ($id, $version) = distro($root);
    my (@packages, @relationships);
    my $index = 0;
    for my $pkg (read_packages($root)) {
        my ($spdxid, $json) = package_json($pkg, ++$index, $id, $version);
        push @packages, $json;
        push @relationships, json_object(
            spdxElementId => json_string("SPDXRef-DOCUMENT"),
            relationshipType => json_string("DESCRIBES"),
            relatedSpdxElement => json_string($spdxid),
        );
    }
    my $document = json_object(
        spdxVersion => json_string("SPDX-2.3"),
        dataLicense => json_string("CC0-1.0"),
        SPDXID => json_string("SPDXRef-DOCUMENT"),
        name => json_string($name),
        documentNamespace => json_string("https://spdx.org/spdxdocs/$TOOL/$name-" . time() . "-$$"),
        creationInfo => json_object(
            created => json_string($created),
            creators => json_array(json_string("Tool: $TOOL")),
        ),
        packages => json_array(@packages),
        relationships => json_array(@relationships),
    );
    return json_object(
        _type => json_string("https://in-toto.io/Statement/v0.1"),
        predicateType => json_string("https://spdx.dev/Document"),
        subject => "[]",
        predicate => $document,
    );
}

sub write_scan {
    my ($root, $destination, $created) = @_;
    my $name = basename($root);
    my $path = "$destination/$name.spdx.json";
    open(my $out, ">", $path) or die "cannot write $path: $!\n";
    print $out scan($root, $name, $created), "\n";
    close($out) or die "cannot write $path: $!\n";
}

my $source = $ENV{BUILDKIT_SCAN_SOURCE} or die "BUILDKIT_SCAN_SOURCE is not set\n";
my $destination = $ENV{BUILDKIT_SCAN_DESTINATION} or die "BUILDKIT_SCAN_DESTINATION is not set\n";
my $epoch = $ENV{SOURCE_DATE_EPOCH} // time();
my $created = strftime("%Y-%m-%dT%H:%M:%SZ", gmtime($epoch));
write_scan($source, $destination, $created);
my $extras = $ENV{BUILDKIT_SCAN_SOURCE_EXTRAS} // "";
if ($extras ne "" && -d $extras) {
    opendir(my $dh, $extras) or die "cannot list $extras: $!\n";
    for my $entry (sort grep { !/^\./ } readdir($dh)) {
        write_scan("$extras/$entry", $destination, $created) if -d "$extras/$entry";
    }
    closedir($dh);
}
