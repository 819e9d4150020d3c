"""Container checks: size cap, magic, ZIP structure, member allow-list, bounded reads.

Nothing is extracted to disk.  The container must be byte-for-byte the canonical layout the
writer produces, so no unsigned byte (timestamps, comments, extra fields) can vary.  Names are
refused (never rewritten) when they could traverse paths; compressed members are refused
outright (m2kt writes them stored), which rules out zip bombs; every declared size is checked
against its cap before a byte is read.
"""

from __future__ import annotations

import io
import stat
import zipfile

from m2kt.errors import FormatError, IntegrityError, LimitError
from m2kt.limits import MAX_MEMBER_BYTES, MAX_PACKET_BYTES, MAX_ZIP_ENTRIES
from m2kt.packet.layout import ALL_MEMBERS, ZIP_MAGIC


def _bad_name(name: str) -> str | None:
    if not name:
        return "an empty member name"
    if "\x00" in name:
        return "a NUL byte in a member name"
    if name.startswith(("/", "\\")) or (len(name) > 1 and name[1] == ":"):
        return f"absolute member name {name[:80]!r}"
    if "\\" in name or "/" in name or name in (".", "..") or ".." in name.split("/"):
        return f"member name with a path {name[:80]!r}"
    return None


def read_members(data: bytes, members: tuple[str, ...] = ALL_MEMBERS,
                 what: str = "packet") -> dict[str, bytes]:
    """Check the container and return every member's bytes by name. ``members``: the exact
    member names of its format, in their order (a packet's by default; an atlas has its own,
    :mod:`m2kt.atlas`); ``what`` names the file kind in messages.

    Raises LimitError (size caps), FormatError (not a packet, bad ZIP, bad names, directories,
    symlinks, compression, overlapping entries) or IntegrityError (missing or extra members,
    CRC mismatch).
    """
    if len(data) > MAX_PACKET_BYTES:
        raise LimitError(f"{what} is {len(data)} bytes; the cap is {MAX_PACKET_BYTES}")
    if len(data) < len(ZIP_MAGIC) or not data.startswith(ZIP_MAGIC):
        raise FormatError(f"not an m2kt {what} (no ZIP signature at the start of the file)")
    try:
        zf = zipfile.ZipFile(io.BytesIO(data))
        infos = zf.infolist()
    except Exception as exc:  # zipfile parses hostile bytes: any failure means "malformed"
        raise FormatError(f"damaged {what} container: {type(exc).__name__}: {exc}") from exc
    if len(infos) > MAX_ZIP_ENTRIES:
        raise LimitError(f"{what} has {len(infos)} entries; at most {MAX_ZIP_ENTRIES} allowed")
    names: set[str] = set()
    for info in infos:
        why = _bad_name(info.filename)
        if why:
            raise FormatError(f"refused {why}")
        if info.filename in names:
            raise FormatError(f"duplicate member name {info.filename!r}")
        names.add(info.filename)
        if info.is_dir():
            raise FormatError(f"directory entry {info.filename!r} in packet")
        if stat.S_ISLNK(info.external_attr >> 16):
            raise FormatError(f"symbolic link {info.filename!r} in packet")
        if info.compress_type != zipfile.ZIP_STORED:
            raise FormatError(f"member {info.filename!r} is compressed; m2kt packets store "
                              "members uncompressed")
        if info.flag_bits & 0x1:
            raise FormatError(f"member {info.filename!r} is encrypted")
    extra = sorted(names - set(members))
    missing = [m for m in members if m not in names]
    if extra or missing:
        raise IntegrityError(f"{what} members do not match the format: "
                             + "; ".join(filter(None, [
                                 f"unlisted {', '.join(repr(e[:60]) for e in extra[:5])}"
                                 if extra else "",
                                 f"missing {', '.join(missing)}" if missing else ""])))
    ordered = sorted(infos, key=lambda i: i.header_offset)
    for a, b in zip(ordered, ordered[1:], strict=False):
        if a.header_offset + 30 + len(a.orig_filename) + a.compress_size > b.header_offset:
            raise FormatError(f"overlapping entries {a.filename!r} and {b.filename!r}")
    total = 0
    for info in infos:
        cap = MAX_MEMBER_BYTES[info.filename]
        if info.file_size > cap or info.compress_size > cap:
            raise LimitError(f"member {info.filename} declares {info.file_size} bytes; "
                             f"the cap is {cap}")
        if info.file_size != info.compress_size:
            raise FormatError(f"member {info.filename} sizes disagree")
        total += info.file_size
    if total > MAX_PACKET_BYTES:
        raise LimitError(f"members total {total} bytes; the cap is {MAX_PACKET_BYTES}")
    out: dict[str, bytes] = {}
    for info in infos:
        try:
            out[info.filename] = zf.read(info)
        except zipfile.BadZipFile as exc:
            raise IntegrityError(f"member {info.filename} is corrupt: {exc}") from exc
        except Exception as exc:  # as above: any parser failure is a malformed container
            raise FormatError(f"member {info.filename} cannot be read: {exc}") from exc
    # The writer is deterministic (fixed order, timestamps, attributes, no compression), so a
    # genuine packet re-serialises to exactly its own bytes.  Any other byte anywhere in the
    # container (timestamps, extra fields, comments, trailing data) is refused here.
    from m2kt.packet.writer import container_bytes

    if container_bytes(out, members) != data:
        raise FormatError("container is not in the canonical m2kt layout (bytes outside the "
                          "signed members were altered or added)")
    return out
