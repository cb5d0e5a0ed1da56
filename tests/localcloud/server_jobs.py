"""The server lifecycle as time passes: build, rebuild, stop, start and delete, each a ``ServerJob``.

Like snapshots (servers.py), a job's stage follows from the time since it started, applied whenever the state is read
(``CloudState.settle``). A process's task states share its ``server_phase_seconds`` evenly:

=======  ============================================================================  ===================================
process  task states (progress)                                                        end
=======  ============================================================================  ===================================
build    scheduling (0), block_device_mapping (0), networking (25), spawning (50)      ACTIVE, or ERROR for a ``fail`` image
rebuild  rebuilding (0), rebuild_block_device_mapping (0), rebuild_spawning (50)       ACTIVE (SHUTOFF if it was), or ERROR
stop     powering-off                                                                  SHUTOFF
start    powering-on                                                                   ACTIVE
delete   deleting                                                                      gone (404)
=======  ============================================================================  ===================================

(nova/compute/task_states.py; the REBUILD status of stopped and failed servers from nova.api.openstack.common._STATE_MAP.)
At the end of a build, rebuild or start the guest boots: its sshd starts (guests.py) unless the image says ``no-ssh``.
"""

from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Optional

from .guests import GuestError

STAGES = {
    "build": (("scheduling", 0), ("block_device_mapping", 0), ("networking", 25), ("spawning", 50)),
    "rebuild": (("rebuilding", 0), ("rebuild_block_device_mapping", 0), ("rebuild_spawning", 50)),
    "stop": (("powering-off", None),),
    "start": (("powering-on", None),),
    "delete": (("deleting", None),),
}
# The compute-manager events os-instance-actions shows for each process.
EVENTS = {"build": "compute__do_build_and_run_instance", "rebuild": "compute_rebuild_instance", "stop": "compute_stop_instance",
          "start": "compute_start_instance", "delete": "compute_terminate_instance"}
# The action names of os-instance-actions (nova.compute.instance_actions).
ACTION_NAMES = {"build": "create", "rebuild": "rebuild", "stop": "stop", "start": "start", "delete": "delete"}
BOOT_BEHAVIOURS = ("ok", "fail", "no-ssh")


@dataclass
class ServerJob:
    server_id: str
    region: str
    process: str
    started: datetime
    seconds: float
    end_vm_state: str  # active or stopped (a rebuild ends as the server was)
    image_id: str = ""
    applied: Optional[int] = None  # index of the stage last written to the server

    def stage_index(self, now):
        """The index of the current stage; ``len(stages)`` once the process is over."""
        count = len(STAGES[self.process])
        if self.seconds <= 0:
            return count
        elapsed = (now - self.started).total_seconds()
        return min(count, max(0, int(elapsed * count / self.seconds)))


def _isotime(moment):
    return moment.strftime("%Y-%m-%dT%H:%M:%SZ")


def record_action(server, process, request_id, started):
    """Start an os-instance-actions record (Nova records one per API action, with one compute event)."""
    server.actions.append({"action": ACTION_NAMES[process], "instance_uuid": server.id, "request_id": request_id, "user_id": server.user_id,
                           "project_id": server.tenant_id, "start_time": _isotime(started), "message": None, "events": [
                               {"event": EVENTS[process], "start_time": _isotime(started), "finish_time": None, "result": None,
                                "traceback": None}]})


def _finish_action(server, process, moment, failed):
    for record in reversed(server.actions):
        if record["action"] == ACTION_NAMES[process]:
            record["events"][0].update(finish_time=_isotime(moment), result="Error" if failed else "Success")
            if failed:
                record["message"] = "Error"
            return


def boot_log(server, image_id):
    """The first lines a guest writes to its console."""
    return ["[    0.000000] Linux version 6.1.0-localcloud (localcloud@opencloud.images) #1 SMP PREEMPT_DYNAMIC",
            "[    0.000000] Command line: root=/dev/xvda1 ro console=hvc0",
            f"[    0.812340] localcloud: server {server.id} ({server.name}) boots image {image_id}"]


def _booted_log(server):
    if server.boot == "fail":
        return ["[    1.204511] VFS: Cannot open root device \"xvda1\" or unknown-block(0,0): error -6",
                "[    1.204600] Kernel panic - not syncing: VFS: Unable to mount root fs on unknown-block(0,0)"]
    lines = ["[    1.204511] EXT4-fs (xvda1): mounted filesystem with ordered data mode. Quota mode: none.",
             "[    3.100000] cloud-init[412]: Cloud-init v. 23.1.2 running 'init' ...",
             f"[    3.400000] cloud-init[412]: ci-info: | eth0 | True | {server.addresses().get('public', [{}])[0].get('addr', '')} |"]
    if server.boot == "no-ssh":
        lines.append("[    4.000000] systemd[1]: ssh.service: Failed with result 'exit-code'.")
    else:
        lines.append("[    4.000000] systemd[1]: Started ssh.service - OpenBSD Secure Shell server.")
    return lines


def start_job(state, server, process, request_id, image_id=""):
    """Start a process on the server now; its first task state shows at once (the first GET after a 202 sees it)."""
    now = state.now()
    end = server.vm_state if process == "rebuild" and server.vm_state == "stopped" else ("stopped" if process == "stop" else "active")
    job = ServerJob(server_id=server.id, region=server.region, process=process, started=now,
                    seconds=state.config["server_phase_seconds"][process], end_vm_state=end, image_id=image_id or server.image_id)
    if process in ("stop", "delete", "rebuild"):
        server.console.extend(line for line in state.guests.stop(server.id).splitlines() if line)
    if process in ("build", "rebuild"):
        server.fault = None
        server.console.extend(boot_log(server, job.image_id))
    record_action(server, process, request_id, now)
    state.server_jobs[server.id] = job
    apply(state, job, job.stage_index(now))
    return job


def _boot(state, server, job, moment):
    """The end of a build, rebuild or start: the guest comes up (its sshd starts) or fails (ERROR with a fault)."""
    if job.process in ("build", "rebuild"):
        server.console.extend(_booted_log(server))
    failure = None
    if server.boot == "fail" and job.process != "start":
        verb = "Build" if job.process == "build" else "Rebuild"
        failure = f"{verb} of instance {server.id} aborted: Failed to boot the guest: no bootable device"
    elif server.boot == "ok" and job.end_vm_state == "active" and server.guest_address and state.config["guest_sshd"]:
        try:
            state.guests.start(server, job.image_id)
        except GuestError as exc:
            failure = f"{'Build' if job.process == 'build' else 'Start'} of instance {server.id} aborted: {exc}"
    if failure:
        server.vm_state = "error"
        server.fault = {"code": 500, "created": _isotime(moment), "message": failure}
    else:
        server.vm_state = job.end_vm_state
    return failure is not None


def apply(state, job, index):
    """Write stage ``index`` of the job to its server (the end when it is past the last stage), stamped with when it began."""
    if index == job.applied:
        return
    server = state.servers[job.region].get(job.server_id)
    if server is None:
        state.server_jobs.pop(job.server_id, None)
        return
    stages = STAGES[job.process]
    moment = job.started + timedelta(seconds=job.seconds * min(index, len(stages)) / len(stages))
    job.applied = index
    server.updated = _isotime(moment)
    if index < len(stages):
        server.task_state, server.progress = stages[index]
        if job.process == "build":
            server.vm_state = "building"
        return
    del state.server_jobs[job.server_id]
    server.task_state, server.progress = None, None
    failed = False
    if job.process == "delete":
        del state.servers[job.region][job.server_id]
    elif job.process == "stop":
        server.vm_state = "stopped"
    else:
        failed = _boot(state, server, job, moment)
    _finish_action(server, job.process, moment, failed)


def settle(state, now):
    for job in list(state.server_jobs.values()):
        apply(state, job, job.stage_index(now))
