#!/bin/sh
# stockade:ignore STK101 needs root
sudo docker run --rm \
  -e "A=$HOME" -v "$(pwd)":/src:ro --mount type=bind,src=/etc,dst=/e,readonly \
  --cap-drop=ALL --cap-add NET_ADMIN -p [::1]:53:53/udp -itd $IMAGE:${TAG} sh -c 'x; y'
ID=$(podman run -d --tmpfs /tmp:noexec --security-opt seccomp=unconfined alpine) && echo "$ID"
