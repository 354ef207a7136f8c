# docker-bake.hcl: GENERATED from family.yaml by `python -m bake generate`. Do not edit.
# Regenerate with `python -m bake generate`; CI runs `python -m bake check`.
#
# Plain buildx works without Python:
#   docker buildx bake --list targets       # what can be built
#   docker buildx bake firefox              # one image (its base is built first)
#   REGISTRY=ghcr.io/you TAG=latest VERSION=1.2.3 docker buildx bake --push all

variable "REGISTRY" {
  type        = string
  default     = "registry.example.com/team/desk,mirror.example.org/desk"
  description = "Registry and namespace to publish under; comma-separate several"
}

variable "TAG" {
  type        = string
  default     = "latest,edge"
  description = "Tags to publish, comma-separated; include 'latest' to move it"
}

variable "VERSION" {
  type        = string
  default     = ""
  description = "Release version: 1.2.3 also publishes 1.2 and 1 (a v prefix is dropped)"
}

variable "SHA" {
  type        = string
  default     = ""
  description = "Git commit: the revision label, and a sha-<first 7> tag when set"
}

variable "CREATED" {
  type        = string
  default     = ""
  description = "Build time (RFC 3339) for the org.opencontainers.image.created label"
}

variable "SOURCE" {
  type        = string
  default     = "https://example.com/desk"
  description = "Repository URL for the org.opencontainers.image.source label"
}

variable "CACHE_REGISTRY" {
  type        = string
  default     = ""
  description = "Registry/namespace for the build cache (<image>:buildcache, mode=max); empty: none"
}

variable "SOURCE_DATE_EPOCH" {
  type        = string
  default     = "0"
  description = "File and image timestamps (seconds since 1970); 0 as the pipeline"
}

function "version_tags" {
  params = [
    version,
  ]
  result = length(regexall("^[0-9]+[.][0-9]+[.][0-9]+$", version)) > 0 ? [version, regex("^[0-9]+[.][0-9]+", version), regex("^[0-9]+", version)] : compact([version])
}

function "image_tags" {
  params = [
    name,
  ]
  result = flatten([for registry in compact(split(",", REGISTRY)) : [for tag in distinct(compact(concat(split(",", TAG), version_tags(trimprefix(VERSION, "v")), SHA == "" ? [] : ["sha-${substr(SHA, 0, 7)}"]))) : "${registry}/${name}:${tag}"]])
}

function "cache_from" {
  params = [
    name,
  ]
  result = CACHE_REGISTRY == "" ? [] : ["type=registry,ref=${CACHE_REGISTRY}/${name}:buildcache"]
}

function "cache_to" {
  params = [
    name,
  ]
  result = CACHE_REGISTRY == "" ? [] : ["type=registry,ref=${CACHE_REGISTRY}/${name}:buildcache,mode=max"]
}

target "_common" {
  description = "Shared by every image: platforms, OCI labels, build args"
  platforms   = [
    "linux/amd64",
    "linux/arm64",
    "linux/arm/v7",
  ]
  labels      = {
    "org.opencontainers.image.source"   = SOURCE,
    "org.opencontainers.image.licenses" = "MPL-2.0",
    "org.opencontainers.image.vendor"   = "Example \"Desk\" Team",
    "org.opencontainers.image.revision" = SHA,
    "org.opencontainers.image.version"  = VERSION != "" ? trimprefix(VERSION, "v") : split(",", TAG)[0],
    "org.opencontainers.image.created"  = CREATED,
    "com.example.literal"               = "not $${INTERPOLATED} nor %%{ if x }directive%%{ endif }",
  }
  args        = {
    "SOURCE_DATE_EPOCH" = SOURCE_DATE_EPOCH,
    "DEBIAN_SUITE"      = "bookworm",
  }
}

target "_app" {
  description = "Shared by every app: built FROM the base via the 'base' context"
  inherits    = [
    "_common",
  ]
  contexts    = {
    "base" = "target:base",
  }
}

target "_packages" {
  description       = "Shared by every image built from packages: the Dockerfile bake/data/packages.Dockerfile of neko-bake, inlined"
  dockerfile-inline = <<EOT
# The shared Dockerfile of neko-bake for images that family.yaml describes with
# `packages` (and optionally `files`, `env`, `program`) instead of a Dockerfile of their
# own. `python -m bake generate` inlines it (dockerfile-inline) into the bake file and
# passes each image's values as build args and named contexts:
#
#   named context base / app  the image to build on: apps say base, accelerators app
#                             (PARENT); bake links it to target:<parent>
#   named context files       a repository folder mirrored into / (none: nothing copied)
#   PACKAGES                  Debian packages for every platform (space-separated)
#   PLATFORM_PACKAGES         more for one platform: "linux/amd64=a b;linux/arm64=c"
#   PLATFORMS                 the platforms family.yaml builds the image for; any other
#                             TARGETPLATFORM fails the build with a clear message
#   PROGRAM, PROGRAM_COMMAND, PROGRAM_PRIORITY, PROGRAM_USER
#                             a supervisord program, /etc/supervisor/conf.d/PROGRAM.conf
#   RUN_AS                    the user the image runs as afterwards (default 1000:1000)
#
# Environment variables (`env`) become ENV lines appended to this text.
ARG PARENT=base

# Stands in for the `files` named context when an image has no files.
FROM scratch AS files

# The parent is a named context (target:<parent>), not a registry image: no tag.
# hadolint ignore=DL3006
FROM $${PARENT}

ARG TARGETARCH
ARG TARGETPLATFORM
ARG DEBIAN_FRONTEND=noninteractive
ARG PACKAGES=""
ARG PLATFORM_PACKAGES=""
ARG PLATFORMS=""
ARG PROGRAM=""
ARG PROGRAM_COMMAND=""
ARG PROGRAM_PRIORITY=100
ARG PROGRAM_USER=neko
ARG RUN_AS=1000:1000
# The weekly refresh sets REFRESH (to the date): every RUN below misses the cache, so
# the package installs fetch this week's security updates. Normal builds leave it unset.
ARG REFRESH

SHELL ["/bin/bash", "-o", "pipefail", "-c"]

USER 0

RUN --mount=type=cache,id=apt-cache-$${TARGETARCH},target=/var/cache/apt,sharing=locked \
    --mount=type=cache,id=apt-lib-$${TARGETARCH},target=/var/lib/apt,sharing=locked \
    if [ -n "$${PLATFORMS}" ] && [[ " $${PLATFORMS} " != *" $${TARGETPLATFORM} "* ]]; then \
        echo "$${TARGETPLATFORM} is not a platform of this image (family.yaml: $${PLATFORMS})" >&2; \
        exit 1; \
    fi \
 && extra="$(tr ';' '\n' <<<"$${PLATFORM_PACKAGES}" | sed -n "s|^$${TARGETPLATFORM}=||p")" \
 && read -r -a packages <<<"$${PACKAGES} $${extra}" \
 && if [ "$${#packages[@]}" -eq 0 ]; then \
        echo "no Debian packages for $${TARGETPLATFORM} (family.yaml: packages)" >&2; exit 1; \
    fi \
 && apt-get update \
 && apt-get install -y --no-install-recommends "$${packages[@]}" \
 && if [ -n "$${PROGRAM_COMMAND}" ]; then \
        mkdir -p /etc/supervisor/conf.d \
     && printf '%s\n' \
            "; $${PROGRAM}: generated by neko-bake from family.yaml (program:)." \
            "[program:$${PROGRAM}]" \
            "command=$${PROGRAM_COMMAND}" \
            "user=$${PROGRAM_USER}" \
            "priority=$${PROGRAM_PRIORITY}" \
            'autorestart=true' \
            'startsecs=5' \
            'stdout_logfile=/dev/fd/1' \
            'stdout_logfile_maxbytes=0' \
            'redirect_stderr=true' \
            > "/etc/supervisor/conf.d/$${PROGRAM}.conf"; \
    fi

# The files folder, after the packages (its files win), in a layer of its own (editing a
# file does not reinstall the packages). Each file lands where `COPY <file> <path>` would
# put it: through symbolic links the image already has (firefox-esr's distribution/ is
# one, and `COPY --from=files / /` fails on them), leaving existing folders as they are,
# owned by root.
RUN --mount=type=bind,from=files,target=/tmp/files \
    tar -C /tmp/files -cf - . \
  | tar -C / -xf - --keep-directory-symlink --no-overwrite-dir --no-same-owner

USER $${RUN_AS}
EOT

}

target "_nvidia" {
  description = "Shared by every nvidia variant: NVIDIA"
  inherits    = [
    "_common",
  ]
  platforms   = [
    "linux/amd64",
    "linux/arm64",
  ]
}

target "_nvidia-packages" {
  description       = "Every nvidia variant built from its packages (not an app's own Dockerfile for it)"
  inherits          = [
    "_nvidia",
    "_packages",
  ]
  dockerfile-inline = <<EOT
# The shared Dockerfile of neko-bake for images that family.yaml describes with
# `packages` (and optionally `files`, `env`, `program`) instead of a Dockerfile of their
# own. `python -m bake generate` inlines it (dockerfile-inline) into the bake file and
# passes each image's values as build args and named contexts:
#
#   named context base / app  the image to build on: apps say base, accelerators app
#                             (PARENT); bake links it to target:<parent>
#   named context files       a repository folder mirrored into / (none: nothing copied)
#   PACKAGES                  Debian packages for every platform (space-separated)
#   PLATFORM_PACKAGES         more for one platform: "linux/amd64=a b;linux/arm64=c"
#   PLATFORMS                 the platforms family.yaml builds the image for; any other
#                             TARGETPLATFORM fails the build with a clear message
#   PROGRAM, PROGRAM_COMMAND, PROGRAM_PRIORITY, PROGRAM_USER
#                             a supervisord program, /etc/supervisor/conf.d/PROGRAM.conf
#   RUN_AS                    the user the image runs as afterwards (default 1000:1000)
#
# Environment variables (`env`) become ENV lines appended to this text.
ARG PARENT=base

# Stands in for the `files` named context when an image has no files.
FROM scratch AS files

# The parent is a named context (target:<parent>), not a registry image: no tag.
# hadolint ignore=DL3006
FROM $${PARENT}

ARG TARGETARCH
ARG TARGETPLATFORM
ARG DEBIAN_FRONTEND=noninteractive
ARG PACKAGES=""
ARG PLATFORM_PACKAGES=""
ARG PLATFORMS=""
ARG PROGRAM=""
ARG PROGRAM_COMMAND=""
ARG PROGRAM_PRIORITY=100
ARG PROGRAM_USER=neko
ARG RUN_AS=1000:1000
# The weekly refresh sets REFRESH (to the date): every RUN below misses the cache, so
# the package installs fetch this week's security updates. Normal builds leave it unset.
ARG REFRESH

SHELL ["/bin/bash", "-o", "pipefail", "-c"]

USER 0

RUN --mount=type=cache,id=apt-cache-$${TARGETARCH},target=/var/cache/apt,sharing=locked \
    --mount=type=cache,id=apt-lib-$${TARGETARCH},target=/var/lib/apt,sharing=locked \
    if [ -n "$${PLATFORMS}" ] && [[ " $${PLATFORMS} " != *" $${TARGETPLATFORM} "* ]]; then \
        echo "$${TARGETPLATFORM} is not a platform of this image (family.yaml: $${PLATFORMS})" >&2; \
        exit 1; \
    fi \
 && extra="$(tr ';' '\n' <<<"$${PLATFORM_PACKAGES}" | sed -n "s|^$${TARGETPLATFORM}=||p")" \
 && read -r -a packages <<<"$${PACKAGES} $${extra}" \
 && if [ "$${#packages[@]}" -eq 0 ]; then \
        echo "no Debian packages for $${TARGETPLATFORM} (family.yaml: packages)" >&2; exit 1; \
    fi \
 && apt-get update \
 && apt-get install -y --no-install-recommends "$${packages[@]}" \
 && if [ -n "$${PROGRAM_COMMAND}" ]; then \
        mkdir -p /etc/supervisor/conf.d \
     && printf '%s\n' \
            "; $${PROGRAM}: generated by neko-bake from family.yaml (program:)." \
            "[program:$${PROGRAM}]" \
            "command=$${PROGRAM_COMMAND}" \
            "user=$${PROGRAM_USER}" \
            "priority=$${PROGRAM_PRIORITY}" \
            'autorestart=true' \
            'startsecs=5' \
            'stdout_logfile=/dev/fd/1' \
            'stdout_logfile_maxbytes=0' \
            'redirect_stderr=true' \
            > "/etc/supervisor/conf.d/$${PROGRAM}.conf"; \
    fi

# The files folder, after the packages (its files win), in a layer of its own (editing a
# file does not reinstall the packages). Each file lands where `COPY <file> <path>` would
# put it: through symbolic links the image already has (firefox-esr's distribution/ is
# one, and `COPY --from=files / /` fails on them), leaving existing folders as they are,
# owned by root.
RUN --mount=type=bind,from=files,target=/tmp/files \
    tar -C /tmp/files -cf - . \
  | tar -C / -xf - --keep-directory-symlink --no-overwrite-dir --no-same-owner

USER $${RUN_AS}

# env: from family.yaml
ENV NVIDIA_VISIBLE_DEVICES="all"
EOT

  args              = {
    "PARENT"    = "app",
    "PACKAGES"  = "libglvnd0 libegl1",
    "PLATFORMS" = "linux/amd64 linux/arm64",
  }
}

target "_intel" {
  description = "Shared by every intel variant: Intel VA-API"
  inherits    = [
    "_common",
  ]
  context     = "dockerfiles/accelerators/intel"
  dockerfile  = "Dockerfile"
  platforms   = [
    "linux/amd64",
  ]
  args        = {
    "LIBVA_DRIVER_NAME" = "iHD",
  }
}

target "base" {
  description = "The base desktop"
  inherits    = [
    "_common",
  ]
  context     = "dockerfiles/base"
  dockerfile  = "Dockerfile"
  args        = {
    "LOCALE" = "C.UTF-8",
  }
  tags        = image_tags("base")
  cache-from  = cache_from("base")
  cache-to    = cache_to("base")
  labels      = {
    "org.opencontainers.image.title"       = "base",
    "org.opencontainers.image.description" = "The base desktop",
  }
}

target "firefox" {
  description = "Firefox \"ESR\" with a back\\slash"
  inherits    = [
    "_app",
  ]
  context     = "dockerfiles/apps/firefox"
  dockerfile  = "Dockerfile"
  tags        = concat(image_tags("firefox"), image_tags("arm-firefox"))
  cache-from  = cache_from("firefox")
  cache-to    = cache_to("firefox")
  labels      = {
    "org.opencontainers.image.title"       = "firefox",
    "org.opencontainers.image.description" = "Firefox \"ESR\" with a back\\slash",
    "com.example.multiline"                = "line one\nline two\ttabbed",
  }
}

target "kiosk" {
  description = "Firefox locked to one page"
  inherits    = [
    "_app",
    "_packages",
  ]
  contexts    = {
    "base"  = "target:firefox",
    "files" = "files/kiosk",
  }
  platforms   = [
    "linux/amd64",
    "linux/arm64",
  ]
  args        = {
    "PACKAGES"         = "xdotool",
    "PLATFORMS"        = "linux/amd64 linux/arm64",
    "PROGRAM"          = "kiosk",
    "PROGRAM_COMMAND"  = "/usr/local/bin/wait-for-x /usr/bin/firefox-esr --kiosk https://example.com/?a=1&b=\"2\"",
    "PROGRAM_PRIORITY" = "110",
    "PROGRAM_USER"     = "neko",
  }
  tags        = image_tags("kiosk")
  cache-from  = cache_from("kiosk")
  cache-to    = cache_to("kiosk")
  labels      = {
    "org.opencontainers.image.title"       = "kiosk",
    "org.opencontainers.image.description" = "Firefox locked to one page",
  }
}

target "editor" {
  description       = "A text editor, with a helper only amd64 has"
  inherits          = [
    "_app",
    "_packages",
  ]
  dockerfile-inline = <<EOT
# The shared Dockerfile of neko-bake for images that family.yaml describes with
# `packages` (and optionally `files`, `env`, `program`) instead of a Dockerfile of their
# own. `python -m bake generate` inlines it (dockerfile-inline) into the bake file and
# passes each image's values as build args and named contexts:
#
#   named context base / app  the image to build on: apps say base, accelerators app
#                             (PARENT); bake links it to target:<parent>
#   named context files       a repository folder mirrored into / (none: nothing copied)
#   PACKAGES                  Debian packages for every platform (space-separated)
#   PLATFORM_PACKAGES         more for one platform: "linux/amd64=a b;linux/arm64=c"
#   PLATFORMS                 the platforms family.yaml builds the image for; any other
#                             TARGETPLATFORM fails the build with a clear message
#   PROGRAM, PROGRAM_COMMAND, PROGRAM_PRIORITY, PROGRAM_USER
#                             a supervisord program, /etc/supervisor/conf.d/PROGRAM.conf
#   RUN_AS                    the user the image runs as afterwards (default 1000:1000)
#
# Environment variables (`env`) become ENV lines appended to this text.
ARG PARENT=base

# Stands in for the `files` named context when an image has no files.
FROM scratch AS files

# The parent is a named context (target:<parent>), not a registry image: no tag.
# hadolint ignore=DL3006
FROM $${PARENT}

ARG TARGETARCH
ARG TARGETPLATFORM
ARG DEBIAN_FRONTEND=noninteractive
ARG PACKAGES=""
ARG PLATFORM_PACKAGES=""
ARG PLATFORMS=""
ARG PROGRAM=""
ARG PROGRAM_COMMAND=""
ARG PROGRAM_PRIORITY=100
ARG PROGRAM_USER=neko
ARG RUN_AS=1000:1000
# The weekly refresh sets REFRESH (to the date): every RUN below misses the cache, so
# the package installs fetch this week's security updates. Normal builds leave it unset.
ARG REFRESH

SHELL ["/bin/bash", "-o", "pipefail", "-c"]

USER 0

RUN --mount=type=cache,id=apt-cache-$${TARGETARCH},target=/var/cache/apt,sharing=locked \
    --mount=type=cache,id=apt-lib-$${TARGETARCH},target=/var/lib/apt,sharing=locked \
    if [ -n "$${PLATFORMS}" ] && [[ " $${PLATFORMS} " != *" $${TARGETPLATFORM} "* ]]; then \
        echo "$${TARGETPLATFORM} is not a platform of this image (family.yaml: $${PLATFORMS})" >&2; \
        exit 1; \
    fi \
 && extra="$(tr ';' '\n' <<<"$${PLATFORM_PACKAGES}" | sed -n "s|^$${TARGETPLATFORM}=||p")" \
 && read -r -a packages <<<"$${PACKAGES} $${extra}" \
 && if [ "$${#packages[@]}" -eq 0 ]; then \
        echo "no Debian packages for $${TARGETPLATFORM} (family.yaml: packages)" >&2; exit 1; \
    fi \
 && apt-get update \
 && apt-get install -y --no-install-recommends "$${packages[@]}" \
 && if [ -n "$${PROGRAM_COMMAND}" ]; then \
        mkdir -p /etc/supervisor/conf.d \
     && printf '%s\n' \
            "; $${PROGRAM}: generated by neko-bake from family.yaml (program:)." \
            "[program:$${PROGRAM}]" \
            "command=$${PROGRAM_COMMAND}" \
            "user=$${PROGRAM_USER}" \
            "priority=$${PROGRAM_PRIORITY}" \
            'autorestart=true' \
            'startsecs=5' \
            'stdout_logfile=/dev/fd/1' \
            'stdout_logfile_maxbytes=0' \
            'redirect_stderr=true' \
            > "/etc/supervisor/conf.d/$${PROGRAM}.conf"; \
    fi

# The files folder, after the packages (its files win), in a layer of its own (editing a
# file does not reinstall the packages). Each file lands where `COPY <file> <path>` would
# put it: through symbolic links the image already has (firefox-esr's distribution/ is
# one, and `COPY --from=files / /` fails on them), leaving existing folders as they are,
# owned by root.
RUN --mount=type=bind,from=files,target=/tmp/files \
    tar -C /tmp/files -cf - . \
  | tar -C / -xf - --keep-directory-symlink --no-overwrite-dir --no-same-owner

USER $${RUN_AS}

# env: from family.yaml
ENV EDITOR_GREETING="say \"hi\" to \$${USER} \\ \$HOME %%{x}" \
    EDITOR_MODE="plain"
EOT

  args              = {
    "PACKAGES"          = "mousepad",
    "PLATFORM_PACKAGES" = "linux/amd64=intel-gpu-tools libva2",
    "PLATFORMS"         = "linux/amd64 linux/arm64 linux/arm/v7",
    "PROGRAM"           = "editor",
    "PROGRAM_COMMAND"   = "mousepad",
    "PROGRAM_PRIORITY"  = "100",
    "PROGRAM_USER"      = "editor",
  }
  tags              = image_tags("editor")
  cache-from        = cache_from("editor")
  cache-to          = cache_to("editor")
  labels            = {
    "org.opencontainers.image.title"       = "editor",
    "org.opencontainers.image.description" = "A text editor, with a helper only amd64 has",
  }
}

target "media" {
  description = "A media player"
  inherits    = [
    "_app",
  ]
  context     = "dockerfiles/apps/media"
  dockerfile  = "Dockerfile"
  platforms   = [
    "linux/amd64",
  ]
  tags        = image_tags("media")
  cache-from  = cache_from("media")
  cache-to    = cache_to("media")
  labels      = {
    "org.opencontainers.image.title"       = "media",
    "org.opencontainers.image.description" = "A media player",
  }
}

target "nvidia-firefox" {
  description = "Firefox \"ESR\" with a back\\slash — NVIDIA"
  inherits    = [
    "_nvidia",
  ]
  context     = "dockerfiles/apps/firefox"
  dockerfile  = "nvidia.Dockerfile"
  contexts    = {
    "app" = "target:firefox",
  }
  tags        = image_tags("nvidia-firefox")
  cache-from  = cache_from("nvidia-firefox")
  cache-to    = cache_to("nvidia-firefox")
  labels      = {
    "org.opencontainers.image.title"       = "nvidia-firefox",
    "org.opencontainers.image.description" = "Firefox \"ESR\" with a back\\slash — NVIDIA",
  }
}

target "nvidia-kiosk" {
  description = "Firefox locked to one page — NVIDIA"
  inherits    = [
    "_nvidia-packages",
  ]
  contexts    = {
    "app" = "target:kiosk",
  }
  tags        = image_tags("nvidia-kiosk")
  cache-from  = cache_from("nvidia-kiosk")
  cache-to    = cache_to("nvidia-kiosk")
  labels      = {
    "org.opencontainers.image.title"       = "nvidia-kiosk",
    "org.opencontainers.image.description" = "Firefox locked to one page — NVIDIA",
  }
}

target "nvidia-editor" {
  description = "A text editor, with a helper only amd64 has — NVIDIA"
  inherits    = [
    "_nvidia-packages",
  ]
  contexts    = {
    "app" = "target:editor",
  }
  tags        = image_tags("nvidia-editor")
  cache-from  = cache_from("nvidia-editor")
  cache-to    = cache_to("nvidia-editor")
  labels      = {
    "org.opencontainers.image.title"       = "nvidia-editor",
    "org.opencontainers.image.description" = "A text editor, with a helper only amd64 has — NVIDIA",
  }
}

target "intel-firefox" {
  description = "Firefox \"ESR\" with a back\\slash — Intel VA-API"
  inherits    = [
    "_intel",
  ]
  contexts    = {
    "app" = "target:firefox",
  }
  tags        = image_tags("intel-firefox")
  cache-from  = cache_from("intel-firefox")
  cache-to    = cache_to("intel-firefox")
  labels      = {
    "org.opencontainers.image.title"       = "intel-firefox",
    "org.opencontainers.image.description" = "Firefox \"ESR\" with a back\\slash — Intel VA-API",
  }
}

target "intel-kiosk" {
  description = "Firefox locked to one page — Intel VA-API"
  inherits    = [
    "_intel",
  ]
  contexts    = {
    "app" = "target:kiosk",
  }
  tags        = image_tags("intel-kiosk")
  cache-from  = cache_from("intel-kiosk")
  cache-to    = cache_to("intel-kiosk")
  labels      = {
    "org.opencontainers.image.title"       = "intel-kiosk",
    "org.opencontainers.image.description" = "Firefox locked to one page — Intel VA-API",
  }
}

target "intel-editor" {
  description = "A text editor, with a helper only amd64 has — Intel VA-API"
  inherits    = [
    "_intel",
  ]
  contexts    = {
    "app" = "target:editor",
  }
  tags        = image_tags("intel-editor")
  cache-from  = cache_from("intel-editor")
  cache-to    = cache_to("intel-editor")
  labels      = {
    "org.opencontainers.image.title"       = "intel-editor",
    "org.opencontainers.image.description" = "A text editor, with a helper only amd64 has — Intel VA-API",
  }
}

target "intel-media" {
  description = "A media player — Intel VA-API"
  inherits    = [
    "_intel",
  ]
  contexts    = {
    "app" = "target:media",
  }
  tags        = image_tags("intel-media")
  cache-from  = cache_from("intel-media")
  cache-to    = cache_to("intel-media")
  labels      = {
    "org.opencontainers.image.title"       = "intel-media",
    "org.opencontainers.image.description" = "A media player — Intel VA-API",
  }
}

group "default" {
  description = "The whole family (same as 'all')"
  targets     = [
    "all",
  ]
}

group "all" {
  description = "Every image of the family"
  targets     = [
    "base",
    "firefox",
    "kiosk",
    "editor",
    "media",
    "nvidia-firefox",
    "nvidia-kiosk",
    "nvidia-editor",
    "intel-firefox",
    "intel-kiosk",
    "intel-editor",
    "intel-media",
  ]
}

group "apps" {
  description = "Every app image (no accelerator variants)"
  targets     = [
    "firefox",
    "kiosk",
    "editor",
    "media",
  ]
}

group "nvidia" {
  description = "Every nvidia variant"
  targets     = [
    "nvidia-firefox",
    "nvidia-kiosk",
    "nvidia-editor",
  ]
}

group "intel" {
  description = "Every intel variant"
  targets     = [
    "intel-firefox",
    "intel-kiosk",
    "intel-editor",
    "intel-media",
  ]
}

group "firefox-all" {
  description = "firefox and its accelerator variants"
  targets     = [
    "firefox",
    "nvidia-firefox",
    "intel-firefox",
  ]
}

group "kiosk-all" {
  description = "kiosk and its accelerator variants"
  targets     = [
    "kiosk",
    "nvidia-kiosk",
    "intel-kiosk",
  ]
}

group "editor-all" {
  description = "editor and its accelerator variants"
  targets     = [
    "editor",
    "nvidia-editor",
    "intel-editor",
  ]
}

group "media-all" {
  description = "media and its accelerator variants"
  targets     = [
    "media",
    "intel-media",
  ]
}
