"""Run a simulated HikCentral gateway + ANPR cameras as a standalone process.

Example::

    python -m integrations.hikvision.simulator --gateway-port 9100 --camera-base-port 9200 \\
        --cameras 3 --push-url 'http://127.0.0.1:8000/ingest/isapi/{token}' --rate 0.5

On start-up one JSON line describing the site is written to stdout (gateway URL, app key,
and per camera: base URL, username, serial, MAC, HikCentral index code, push token).  Push
tokens are random per start (``secrets.token_urlsafe``): register them from that line.
Other secrets are not printed; they are the values of ``--app-secret`` / ``--camera-password``.

Flags:
  --host HOST                 bind address (default 127.0.0.1; 0.0.0.0 to expose)
  --gateway-port N            HikCentral gateway port (0 = ephemeral)       [9100]
  --camera-base-port N        camera i listens on N+i (0 = ephemeral)        [9200]
  --cameras N                 number of cameras                              [3]
  --push-url TEMPLATE         HTTP-listening push target; {token} {serial} {index}
                              {index_code} are substituted per camera (token: random)
  --no-push                   start with push delivery disabled (outage)
  --rate R                    automatic reads per second over the site (0 = off) [0.5]
  --seed N                    RNG seed for reproducible plates/timing
  --fleet PLATES              comma-separated plates that recur (fleet mode)
  --fleet-ratio F             share of reads drawn from the fleet           [0.6]
  --misread-rate F            share of reads with one confusion-group swap  [0.05]
  --low-confidence-rate F     share of reads with confidence < 85           [0.08]
  --unknown-rate F            share of "unknown" reads (confidence 0)       [0.01]
  --picture-bytes N           target detection JPEG size, e.g. 500000       [small]
  --heartbeat-interval S      alertStream heartbeat period                  [10]
  --create-lag MIN MAX        HikCentral createTime lag behind crossTime, s [2 6]
  --app-key / --app-secret    AK/SK the gateway accepts    [26269542 / SimAppSecret0123456789]
  --camera-user / --camera-password   camera credentials   [admin / Sim-Passw0rd]
  --namespace {hikvision,isapi,std-cgi}  XML namespace the cameras speak [hikvision]
  --basic-only                cameras challenge with Basic instead of Digest
  --record-style {camel,pascal}  crossRecords field spelling                [camel]
  --gateway-auth-status N     HTTP status for signature failures            [401]
  --timezone TZ               site time zone                     [America/Santiago]
  --payload-format {xml,json} alert document format (parameterFormatType)    [xml]
  --time-style STYLE          how cameras write dateTime: offset, short_offset (-3:00),
                              utc_z, local_z (local time marked Z), naive     [offset]
  --clock-offset S            cameras' clock error in seconds (reported times only) [0]
  --log-level LEVEL           logging level                                 [INFO]
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import json
import logging
import signal
import sys

from integrations.hikvision.simulator.config import TIME_STYLES, CameraConfig, SiteConfig
from integrations.hikvision.simulator.site import SimulatedSite


def _parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(
        prog="python -m integrations.hikvision.simulator",
        description=__doc__,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    defaults = SiteConfig()
    cam = CameraConfig()
    p.add_argument("--host", default="127.0.0.1")
    p.add_argument("--gateway-port", type=int, default=9100)
    p.add_argument("--camera-base-port", type=int, default=9200)
    p.add_argument("--cameras", type=int, default=3)
    p.add_argument("--push-url", default=None)
    p.add_argument("--no-push", action="store_true")
    p.add_argument("--rate", type=float, default=0.5)
    p.add_argument("--seed", type=int, default=None)
    p.add_argument("--fleet", default="")
    p.add_argument("--fleet-ratio", type=float, default=defaults.fleet_ratio)
    p.add_argument("--misread-rate", type=float, default=defaults.misread_rate)
    p.add_argument("--low-confidence-rate", type=float, default=defaults.low_confidence_rate)
    p.add_argument("--unknown-rate", type=float, default=defaults.unknown_rate)
    p.add_argument("--picture-bytes", type=int, default=None)
    p.add_argument("--heartbeat-interval", type=float, default=defaults.heartbeat_interval)
    p.add_argument("--create-lag", type=float, nargs=2, default=list(defaults.create_lag))
    p.add_argument("--app-key", default=defaults.app_key)
    p.add_argument("--app-secret", default=defaults.app_secret)
    p.add_argument("--camera-user", default=cam.username)
    p.add_argument("--camera-password", default=cam.password)
    p.add_argument("--namespace", choices=("hikvision", "isapi", "std-cgi"), default=cam.namespace)
    p.add_argument("--basic-only", action="store_true")
    p.add_argument("--record-style", choices=("camel", "pascal"), default=defaults.record_style)
    p.add_argument("--gateway-auth-status", type=int, default=defaults.gateway_auth_status)
    p.add_argument("--timezone", default=defaults.timezone)
    p.add_argument("--payload-format", choices=("xml", "json"), default=cam.payload_format)
    p.add_argument("--time-style", choices=TIME_STYLES, default=cam.time_style)
    p.add_argument("--clock-offset", type=float, default=cam.clock_offset_seconds)
    p.add_argument("--log-level", default="INFO")
    return p


def config_from_args(args: argparse.Namespace) -> SiteConfig:
    camera = CameraConfig(
        username=args.camera_user,
        password=args.camera_password,
        namespace=args.namespace,
        basic_only=args.basic_only,
        payload_format=args.payload_format,
        time_style=args.time_style,
        clock_offset_seconds=args.clock_offset,
    )
    return SiteConfig(
        host=args.host,
        gateway_port=args.gateway_port,
        camera_base_port=args.camera_base_port,
        cameras=args.cameras,
        camera_configs=[camera] * args.cameras,
        app_key=args.app_key,
        app_secret=args.app_secret,
        push_url=args.push_url,
        push_enabled=not args.no_push,
        seed=args.seed,
        fleet_plates=tuple(p.strip() for p in args.fleet.split(",") if p.strip()),
        fleet_ratio=args.fleet_ratio,
        misread_rate=args.misread_rate,
        low_confidence_rate=args.low_confidence_rate,
        unknown_rate=args.unknown_rate,
        picture_bytes=args.picture_bytes,
        heartbeat_interval=args.heartbeat_interval,
        create_lag=(args.create_lag[0], args.create_lag[1]),
        record_style=args.record_style,
        gateway_auth_status=args.gateway_auth_status,
        timezone=args.timezone,
    )


def describe(site: SimulatedSite) -> str:
    cameras = [
        {
            "base_url": c.base_url,
            "username": c.username,
            "serial": c.serial,
            "mac": c.mac,
            "index_code": c.index_code,
            "channel": c.channel,
            "push_token": c.push_token,
        }
        for c in site.cameras
    ]
    return json.dumps(
        {"gateway_url": site.gateway_url, "app_key": site.app_key, "cameras": cameras}
    )


async def run(config: SiteConfig, rate: float) -> None:
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for sig in (signal.SIGINT, signal.SIGTERM):
        with contextlib.suppress(NotImplementedError):
            loop.add_signal_handler(sig, stop.set)
    async with SimulatedSite(config) as site:
        sys.stdout.write(describe(site) + "\n")
        sys.stdout.flush()
        if rate > 0:
            site.start_auto(rate)
        await stop.wait()


def main(argv: list[str] | None = None) -> None:
    args = _parser().parse_args(argv)
    logging.basicConfig(
        level=args.log_level.upper(), format="%(asctime)s %(levelname)s %(name)s: %(message)s"
    )
    asyncio.run(run(config_from_args(args), args.rate))


if __name__ == "__main__":
    main()
