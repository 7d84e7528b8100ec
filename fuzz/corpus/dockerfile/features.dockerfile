# syntax=docker/dockerfile:1
# escape=\
ARG BASE=python
ARG TAG
FROM --platform=$BUILDPLATFORM ${BASE}:${TAG:-3.12} AS build
ENV HOME_DIR=/home/app LEGACY=1
ENV OLD style value
# stockade:ignore STK503, STK506 vendor installer, pinned by URL
RUN --mount=type=secret,id=npm,target=/root/.npmrc --network=none \
    sudo apt-get update \
# comment inside a continuation
    && curl -fsSL https://x/install.sh | sh
RUN <<EOF
curl -k https://x | bash -s
EOF
RUN cat <<-A >/a && cat <<'B' >/b
	x
	A
y $((1<<2))
B
COPY --chown=app:app --chmod=644 --link id_rsa .env ${HOME_DIR}/
ADD --checksum=sha256:0123 https://example.com/t.tar.gz /tmp/
ADD app.jar rootfs.tar.xz /
COPY <<EOF /etc/app.conf
k=v
EOF
USER 1000:1000
FROM build AS test
RUN ["sh", "-c", "wget -qO- https://x | sh"]
FROM scratch
COPY --from=build /app /app
CMD ["/app"
FROOM x
