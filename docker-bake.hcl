# docker-bake.hcl: GENERATED from family.yaml by `python -m bake generate`. Do not edit.
# Regenerate with `python -m bake generate`; CI runs `python -m bake check`.
#
# Plain buildx works without Python:
#   docker buildx bake --list targets       # what can be built
#   docker buildx bake firefox              # one image (its base is built first)
#   REGISTRY=ghcr.io/you TAG=latest VERSION=1.2.3 docker buildx bake --push all

variable "REGISTRY" {
  type        = string
  default     = "ghcr.io/example/neko"
  description = "Registry and namespace to publish under; comma-separate several"
}

variable "TAG" {
  type        = string
  default     = "latest"
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
  default     = "https://github.com/example/neko-family"
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
    "org.opencontainers.image.licenses" = "Apache-2.0",
    "org.opencontainers.image.revision" = SHA,
    "org.opencontainers.image.version"  = VERSION != "" ? trimprefix(VERSION, "v") : split(",", TAG)[0],
    "org.opencontainers.image.created"  = CREATED,
  }
  args        = {
    "SOURCE_DATE_EPOCH" = SOURCE_DATE_EPOCH,
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
  description = "Shared by every nvidia variant: NVIDIA GPU (driver injected by the NVIDIA container toolkit)"
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
ENV NVIDIA_VISIBLE_DEVICES="all" \
    NVIDIA_DRIVER_CAPABILITIES="all" \
    HW_ACCEL="nvidia"
EOT

  contexts          = {
    "files" = "dockerfiles/accelerators/nvidia",
  }
  args              = {
    "PARENT"    = "app",
    "PACKAGES"  = "libegl1 libgl1 libgles2 libglvnd0 libglx0 libva-drm2 libva2 vainfo",
    "PLATFORMS" = "linux/amd64 linux/arm64",
  }
}

target "_intel" {
  description = "Shared by every intel variant: Intel VA-API (intel-media-va-driver; Debian ships it for amd64 only)"
  inherits    = [
    "_common",
  ]
  platforms   = [
    "linux/amd64",
  ]
}

target "_intel-packages" {
  description       = "Every intel variant built from its packages (not an app's own Dockerfile for it)"
  inherits          = [
    "_intel",
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
ENV LIBVA_DRIVER_NAME="iHD" \
    HW_ACCEL="intel"
EOT

  args              = {
    "PARENT"    = "app",
    "PACKAGES"  = "intel-media-va-driver libva-drm2 libva2 vainfo",
    "PLATFORMS" = "linux/amd64",
  }
}

target "base" {
  description = "Debian desktop runtime (Xvfb, PulseAudio, supervisord, noVNC on port 8080)"
  inherits    = [
    "_common",
  ]
  context     = "dockerfiles/base"
  dockerfile  = "Dockerfile"
  tags        = image_tags("base")
  cache-from  = cache_from("base")
  cache-to    = cache_to("base")
  labels      = {
    "org.opencontainers.image.title"       = "base",
    "org.opencontainers.image.description" = "Debian desktop runtime (Xvfb, PulseAudio, supervisord, noVNC on port 8080)",
  }
}

target "firefox" {
  description = "Firefox ESR in the browser-reachable desktop"
  inherits    = [
    "_app",
    "_packages",
  ]
  contexts    = {
    "files" = "dockerfiles/apps/firefox",
  }
  args        = {
    "PACKAGES"         = "firefox-esr",
    "PLATFORMS"        = "linux/amd64 linux/arm64 linux/arm/v7",
    "PROGRAM"          = "firefox",
    "PROGRAM_COMMAND"  = "/usr/local/bin/wait-for-x /usr/bin/firefox-esr --new-instance about:blank",
    "PROGRAM_PRIORITY" = "100",
    "PROGRAM_USER"     = "neko",
  }
  tags        = concat(image_tags("firefox"), image_tags("arm-firefox"))
  cache-from  = cache_from("firefox")
  cache-to    = cache_to("firefox")
  labels      = {
    "org.opencontainers.image.title"       = "firefox",
    "org.opencontainers.image.description" = "Firefox ESR in the browser-reachable desktop",
  }
}

target "chromium" {
  description = "Chromium in the browser-reachable desktop"
  inherits    = [
    "_app",
    "_packages",
  ]
  contexts    = {
    "files" = "dockerfiles/apps/chromium",
  }
  args        = {
    "PACKAGES"         = "chromium",
    "PLATFORMS"        = "linux/amd64 linux/arm64 linux/arm/v7",
    "PROGRAM"          = "chromium",
    "PROGRAM_COMMAND"  = "/usr/local/bin/wait-for-x /usr/bin/chromium about:blank",
    "PROGRAM_PRIORITY" = "100",
    "PROGRAM_USER"     = "neko",
  }
  tags        = concat(image_tags("chromium"), image_tags("arm-chromium"))
  cache-from  = cache_from("chromium")
  cache-to    = cache_to("chromium")
  labels      = {
    "org.opencontainers.image.title"       = "chromium",
    "org.opencontainers.image.description" = "Chromium in the browser-reachable desktop",
  }
}

target "vlc" {
  description = "VLC media player in the desktop"
  inherits    = [
    "_app",
    "_packages",
  ]
  args        = {
    "PACKAGES"         = "vlc-bin vlc-plugin-base vlc-plugin-qt vlc-plugin-video-output",
    "PLATFORMS"        = "linux/amd64 linux/arm64 linux/arm/v7",
    "PROGRAM"          = "vlc",
    "PROGRAM_COMMAND"  = "/usr/local/bin/wait-for-x /usr/bin/vlc --intf qt --no-qt-privacy-ask --no-qt-error-dialogs",
    "PROGRAM_PRIORITY" = "100",
    "PROGRAM_USER"     = "neko",
  }
  tags        = image_tags("vlc")
  cache-from  = cache_from("vlc")
  cache-to    = cache_to("vlc")
  labels      = {
    "org.opencontainers.image.title"       = "vlc",
    "org.opencontainers.image.description" = "VLC media player in the desktop",
  }
}

target "thunderbird" {
  description = "Thunderbird mail client in the desktop (no armhf build in Debian bookworm)"
  inherits    = [
    "_app",
    "_packages",
  ]
  contexts    = {
    "files" = "dockerfiles/apps/thunderbird",
  }
  platforms   = [
    "linux/amd64",
    "linux/arm64",
  ]
  args        = {
    "PACKAGES"         = "thunderbird",
    "PLATFORMS"        = "linux/amd64 linux/arm64",
    "PROGRAM"          = "thunderbird",
    "PROGRAM_COMMAND"  = "/usr/local/bin/wait-for-x /usr/bin/thunderbird",
    "PROGRAM_PRIORITY" = "100",
    "PROGRAM_USER"     = "neko",
  }
  tags        = image_tags("thunderbird")
  cache-from  = cache_from("thunderbird")
  cache-to    = cache_to("thunderbird")
  labels      = {
    "org.opencontainers.image.title"       = "thunderbird",
    "org.opencontainers.image.description" = "Thunderbird mail client in the desktop (no armhf build in Debian bookworm)",
  }
}

target "libreoffice" {
  description = "LibreOffice office suite in the desktop"
  inherits    = [
    "_app",
    "_packages",
  ]
  contexts    = {
    "files" = "dockerfiles/apps/libreoffice",
  }
  args        = {
    "PACKAGES"         = "libreoffice-calc libreoffice-gtk3 libreoffice-writer",
    "PLATFORMS"        = "linux/amd64 linux/arm64 linux/arm/v7",
    "PROGRAM"          = "libreoffice",
    "PROGRAM_COMMAND"  = "/usr/local/bin/wait-for-x /usr/bin/libreoffice --norestore --nologo",
    "PROGRAM_PRIORITY" = "100",
    "PROGRAM_USER"     = "neko",
  }
  tags        = image_tags("libreoffice")
  cache-from  = cache_from("libreoffice")
  cache-to    = cache_to("libreoffice")
  labels      = {
    "org.opencontainers.image.title"       = "libreoffice",
    "org.opencontainers.image.description" = "LibreOffice office suite in the desktop",
  }
}

target "nvidia-firefox" {
  description = "Firefox ESR in the browser-reachable desktop — NVIDIA GPU (driver injected by the NVIDIA container toolkit)"
  inherits    = [
    "_nvidia-packages",
  ]
  contexts    = {
    "app" = "target:firefox",
  }
  tags        = image_tags("nvidia-firefox")
  cache-from  = cache_from("nvidia-firefox")
  cache-to    = cache_to("nvidia-firefox")
  labels      = {
    "org.opencontainers.image.title"       = "nvidia-firefox",
    "org.opencontainers.image.description" = "Firefox ESR in the browser-reachable desktop — NVIDIA GPU (driver injected by the NVIDIA container toolkit)",
  }
}

target "nvidia-chromium" {
  description = "Chromium in the browser-reachable desktop — NVIDIA GPU (driver injected by the NVIDIA container toolkit)"
  inherits    = [
    "_nvidia-packages",
  ]
  contexts    = {
    "app" = "target:chromium",
  }
  tags        = image_tags("nvidia-chromium")
  cache-from  = cache_from("nvidia-chromium")
  cache-to    = cache_to("nvidia-chromium")
  labels      = {
    "org.opencontainers.image.title"       = "nvidia-chromium",
    "org.opencontainers.image.description" = "Chromium in the browser-reachable desktop — NVIDIA GPU (driver injected by the NVIDIA container toolkit)",
  }
}

target "nvidia-vlc" {
  description = "VLC media player in the desktop — NVIDIA GPU (driver injected by the NVIDIA container toolkit)"
  inherits    = [
    "_nvidia-packages",
  ]
  contexts    = {
    "app" = "target:vlc",
  }
  tags        = image_tags("nvidia-vlc")
  cache-from  = cache_from("nvidia-vlc")
  cache-to    = cache_to("nvidia-vlc")
  labels      = {
    "org.opencontainers.image.title"       = "nvidia-vlc",
    "org.opencontainers.image.description" = "VLC media player in the desktop — NVIDIA GPU (driver injected by the NVIDIA container toolkit)",
  }
}

target "nvidia-thunderbird" {
  description = "Thunderbird mail client in the desktop (no armhf build in Debian bookworm) — NVIDIA GPU (driver injected by the NVIDIA container toolkit)"
  inherits    = [
    "_nvidia-packages",
  ]
  contexts    = {
    "app" = "target:thunderbird",
  }
  tags        = image_tags("nvidia-thunderbird")
  cache-from  = cache_from("nvidia-thunderbird")
  cache-to    = cache_to("nvidia-thunderbird")
  labels      = {
    "org.opencontainers.image.title"       = "nvidia-thunderbird",
    "org.opencontainers.image.description" = "Thunderbird mail client in the desktop (no armhf build in Debian bookworm) — NVIDIA GPU (driver injected by the NVIDIA container toolkit)",
  }
}

target "nvidia-libreoffice" {
  description = "LibreOffice office suite in the desktop — NVIDIA GPU (driver injected by the NVIDIA container toolkit)"
  inherits    = [
    "_nvidia-packages",
  ]
  contexts    = {
    "app" = "target:libreoffice",
  }
  tags        = image_tags("nvidia-libreoffice")
  cache-from  = cache_from("nvidia-libreoffice")
  cache-to    = cache_to("nvidia-libreoffice")
  labels      = {
    "org.opencontainers.image.title"       = "nvidia-libreoffice",
    "org.opencontainers.image.description" = "LibreOffice office suite in the desktop — NVIDIA GPU (driver injected by the NVIDIA container toolkit)",
  }
}

target "intel-firefox" {
  description = "Firefox ESR in the browser-reachable desktop — Intel VA-API (intel-media-va-driver; Debian ships it for amd64 only)"
  inherits    = [
    "_intel-packages",
  ]
  contexts    = {
    "app" = "target:firefox",
  }
  tags        = image_tags("intel-firefox")
  cache-from  = cache_from("intel-firefox")
  cache-to    = cache_to("intel-firefox")
  labels      = {
    "org.opencontainers.image.title"       = "intel-firefox",
    "org.opencontainers.image.description" = "Firefox ESR in the browser-reachable desktop — Intel VA-API (intel-media-va-driver; Debian ships it for amd64 only)",
  }
}

target "intel-chromium" {
  description = "Chromium in the browser-reachable desktop — Intel VA-API (intel-media-va-driver; Debian ships it for amd64 only)"
  inherits    = [
    "_intel-packages",
  ]
  contexts    = {
    "app" = "target:chromium",
  }
  tags        = image_tags("intel-chromium")
  cache-from  = cache_from("intel-chromium")
  cache-to    = cache_to("intel-chromium")
  labels      = {
    "org.opencontainers.image.title"       = "intel-chromium",
    "org.opencontainers.image.description" = "Chromium in the browser-reachable desktop — Intel VA-API (intel-media-va-driver; Debian ships it for amd64 only)",
  }
}

target "intel-vlc" {
  description = "VLC media player in the desktop — Intel VA-API (intel-media-va-driver; Debian ships it for amd64 only)"
  inherits    = [
    "_intel-packages",
  ]
  contexts    = {
    "app" = "target:vlc",
  }
  tags        = image_tags("intel-vlc")
  cache-from  = cache_from("intel-vlc")
  cache-to    = cache_to("intel-vlc")
  labels      = {
    "org.opencontainers.image.title"       = "intel-vlc",
    "org.opencontainers.image.description" = "VLC media player in the desktop — Intel VA-API (intel-media-va-driver; Debian ships it for amd64 only)",
  }
}

target "intel-thunderbird" {
  description = "Thunderbird mail client in the desktop (no armhf build in Debian bookworm) — Intel VA-API (intel-media-va-driver; Debian ships it for amd64 only)"
  inherits    = [
    "_intel-packages",
  ]
  contexts    = {
    "app" = "target:thunderbird",
  }
  tags        = image_tags("intel-thunderbird")
  cache-from  = cache_from("intel-thunderbird")
  cache-to    = cache_to("intel-thunderbird")
  labels      = {
    "org.opencontainers.image.title"       = "intel-thunderbird",
    "org.opencontainers.image.description" = "Thunderbird mail client in the desktop (no armhf build in Debian bookworm) — Intel VA-API (intel-media-va-driver; Debian ships it for amd64 only)",
  }
}

target "intel-libreoffice" {
  description = "LibreOffice office suite in the desktop — Intel VA-API (intel-media-va-driver; Debian ships it for amd64 only)"
  inherits    = [
    "_intel-packages",
  ]
  contexts    = {
    "app" = "target:libreoffice",
  }
  tags        = image_tags("intel-libreoffice")
  cache-from  = cache_from("intel-libreoffice")
  cache-to    = cache_to("intel-libreoffice")
  labels      = {
    "org.opencontainers.image.title"       = "intel-libreoffice",
    "org.opencontainers.image.description" = "LibreOffice office suite in the desktop — Intel VA-API (intel-media-va-driver; Debian ships it for amd64 only)",
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
    "chromium",
    "vlc",
    "thunderbird",
    "libreoffice",
    "nvidia-firefox",
    "nvidia-chromium",
    "nvidia-vlc",
    "nvidia-thunderbird",
    "nvidia-libreoffice",
    "intel-firefox",
    "intel-chromium",
    "intel-vlc",
    "intel-thunderbird",
    "intel-libreoffice",
  ]
}

group "apps" {
  description = "Every app image (no accelerator variants)"
  targets     = [
    "firefox",
    "chromium",
    "vlc",
    "thunderbird",
    "libreoffice",
  ]
}

group "nvidia" {
  description = "Every nvidia variant"
  targets     = [
    "nvidia-firefox",
    "nvidia-chromium",
    "nvidia-vlc",
    "nvidia-thunderbird",
    "nvidia-libreoffice",
  ]
}

group "intel" {
  description = "Every intel variant"
  targets     = [
    "intel-firefox",
    "intel-chromium",
    "intel-vlc",
    "intel-thunderbird",
    "intel-libreoffice",
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

group "chromium-all" {
  description = "chromium and its accelerator variants"
  targets     = [
    "chromium",
    "nvidia-chromium",
    "intel-chromium",
  ]
}

group "vlc-all" {
  description = "vlc and its accelerator variants"
  targets     = [
    "vlc",
    "nvidia-vlc",
    "intel-vlc",
  ]
}

group "thunderbird-all" {
  description = "thunderbird and its accelerator variants"
  targets     = [
    "thunderbird",
    "nvidia-thunderbird",
    "intel-thunderbird",
  ]
}

group "libreoffice-all" {
  description = "libreoffice and its accelerator variants"
  targets     = [
    "libreoffice",
    "nvidia-libreoffice",
    "intel-libreoffice",
  ]
}
