#!/usr/bin/env bats
# stockade check-host on recorded host trees (tests/fixtures/host/<kind>) and on
# this machine, a Firecracker KVM guest.  check-host starts nothing: no root needed
# for the recorded trees; the live run reads what this user can read.

bats_require_minimum_version 1.5.0
load helpers

FIX=$REPO/tests/fixtures/host

setup() {
	unset STOCKADE_POLICY NO_COLOR
	cd "$BATS_TEST_TMPDIR"
}
teardown() { :; }

# rules JSON: the rule IDs of the findings, sorted
rules() { jq -r '.findings[].rule' <<<"$1" | LC_ALL=C sort; }

@test "check-host: an OpenVZ container shares its kernel (STK801, exit 1)" {
	run --separate-stderr "$STOCKADE" check-host --root-dir "$FIX/openvz"
	[ "$status" -eq 1 ]
	[[ "$output" == *"Virtualization"* ]]
	[[ "$output" == *"FAIL     virtualization"*"OpenVZ"* ]]
	[[ "$output" == *"high STK801 shared-kernel-host"*"/proc/vz"* ]]
	run --separate-stderr "$STOCKADE" check-host --root-dir "$FIX/openvz" --format json
	[ "$status" -eq 1 ]
	[ "$(rules "$output")" = "STK801" ]
}

@test "check-host: a KVM guest has its own kernel (no STK801, exit 0)" {
	run --separate-stderr "$STOCKADE" check-host --root-dir "$FIX/kvm" --format json
	[ "$status" -eq 0 ]
	[ "$(jq '[.findings[] | select(.rule == "STK801")] | length' <<<"$output")" -eq 0 ]
	run --separate-stderr "$STOCKADE" check-host --root-dir "$FIX/kvm"
	[[ "$output" == *"ok       virtualization       a KVM virtual machine"* ]]
	[[ "$output" == *"Kernel"*"user namespaces"*"seccomp"*"cgroups"*"v2 (unified)"*"LSMs"*"AppArmor yes"* ]]
	[[ "$output" == *"Runtimes"*"runc 1.2.8: no known escape CVE"* ]]
}

@test "check-host: each recorded kind is classified" {
	for kind in lxc docker-container; do
		run --separate-stderr "$STOCKADE" check-host --root-dir "$FIX/$kind" --format json
		[ "$status" -eq 1 ]
		[ "$(rules "$output")" = "STK801" ]
	done
	for kind in bare-metal wsl firecracker kvm vmware hyperv xen; do
		run --separate-stderr "$STOCKADE" check-host --root-dir "$FIX/$kind" --format json
		[ "$status" -eq 0 ]
		[ "$(rules "$output")" = "" ]
	done
	# each hypervisor is named, with what was seen
	local kind want
	for kind in kvm:KVM vmware:VMware hyperv:Hyper-V xen:Xen firecracker:Firecracker; do
		want=${kind#*:}
		run --separate-stderr "$STOCKADE" check-host --root-dir "$FIX/${kind%%:*}"
		[[ "$output" == *"virtualization       a $want"*"virtual machine with its own kernel"* ]]
	done
}

@test "check-host: an exposed dockerd (STK803 for tcp://0.0.0.0:2375 without TLS, STK804 defaults, STK802 CVEs)" {
	run --separate-stderr "$STOCKADE" check-host --root-dir "$FIX/exposed-docker" --format json
	[ "$status" -eq 1 ]
	[ "$(jq -r '.findings[] | select(.rule == "STK803") | .message' <<<"$output")" = \
	  "dockerd listens on tcp://0.0.0.0:2375 with no TLS: whoever reaches it is root on the host" ]
	[ "$(jq '[.findings[] | select(.rule == "STK804")] | length' <<<"$output")" -eq 4 ]
	jq -e '[.findings[] | select(.rule == "STK802") | .message] | any(test("CVE-2019-5736"))' <<<"$output"
	jq -e '[.findings[] | select(.rule == "STK802") | .message] | any(test("containerd 1.4.2 has CVE-2020-15257"))' <<<"$output"
	# the other formats carry the same findings
	run --separate-stderr "$STOCKADE" check-host --root-dir "$FIX/exposed-docker" --format sarif
	[ "$status" -eq 1 ]
	jq -e '[.runs[0].results[].ruleId] | index("STK803")' <<<"$output"
	run --separate-stderr "$STOCKADE" check-host --root-dir "$FIX/exposed-docker" --format junit
	[ "$status" -eq 1 ]
	[[ "$output" == *'name="STK803 daemon-api-exposed"'* ]]
}

@test "check-host: --fail-on moves the exit status; usage errors exit 2" {
	run --separate-stderr "$STOCKADE" check-host --root-dir "$FIX/openvz" --fail-on critical
	[ "$status" -eq 0 ]
	run --separate-stderr "$STOCKADE" check-host --root-dir "$FIX/kvm" --fail-on info
	[ "$status" -eq 0 ]
	run --separate-stderr "$STOCKADE" check-host --format yaml
	[ "$status" -eq 2 ]
	run --separate-stderr "$STOCKADE" check-host --fail-on sometimes
	[ "$status" -eq 2 ]
	run --separate-stderr "$STOCKADE" check-host --root-dir "$BATS_TEST_TMPDIR/none"
	[ "$status" -eq 2 ]
	[[ "$stderr" == *"none"* ]]
}

@test "check-host: this host, a Firecracker KVM guest, does not share its kernel; runc 1.1.5 has CVE-2024-21626" {
	run --separate-stderr "$STOCKADE" check-host --format json
	[ "$status" -le 1 ]
	[ "$(jq '[.findings[] | select(.rule == "STK801")] | length' <<<"$output")" -eq 0 ]
	run --separate-stderr "$STOCKADE" check-host
	[[ "$output" == *"ok       virtualization"*"virtual machine"* ]]
	local runc
	for runc in /usr/bin/runc /usr/sbin/runc; do
		[ -x "$runc" ] || continue
		"$runc" --version | grep -q 'version 1\.1\.5' || continue
		[ "$status" -eq 1 ]
		[[ "$output" == *"critical STK802 vulnerable-runtime: runc 1.1.5"*"CVE-2024-21626"* ]]
	done
}
