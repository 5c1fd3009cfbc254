"""The generated log decoders: Python source written from one event's ABI entry, then compiled.

:func:`compile_decoder` writes ``decode(topics, data) -> (raw, args)`` for one event. The
word-by-word decoder parses the log's hex once into ``topic0 ‖ … ‖ topicN ‖ data`` and reads each
static word straight out of that buffer, checking its padding and range; strings and bytes are
read through their offsets, and types outside that fast path (arrays, tuples) go to ``eth_abi``.
An event of static words only also gets a masked decoder that checks every word with one integer
AND and reads them with one ``struct`` call, keeping the word-by-word one to say what is wrong.
:class:`offchain.chain.decode.Decoder` builds one per event of each contract.
"""

from __future__ import annotations

import struct
from binascii import unhexlify
from collections.abc import Callable, Mapping, Sequence
from typing import Any

from offchain.exceptions import DecodeError

# ---------------------------------------------------------------------------- word-by-word


def _is_word(kind: str) -> bool:
    """True for the single-word static types the fast path reads straight from the buffer."""
    if kind in ("address", "bool"):
        return True
    if kind.startswith("uint") or kind.startswith("int"):
        return "[" not in kind
    return kind.startswith("bytes") and kind != "bytes" and "[" not in kind


def _is_fast(kind: str) -> bool:
    return _is_word(kind) or kind in ("string", "bytes")


def _word_expr(kind: str, at: str, name: str, lines: list[str], consts: dict[str, Any]) -> str:
    """Emit the checks reading one static word at buffer offset ``at``; return its expression."""
    end = f"{at} + 32"
    if kind == "address":
        lines.append(
            f"    if raw[{at} : {at} + 12] != _Z12: _bad({name!r}, 'dirty address padding')"
        )
        return f"_cs(raw[{at} + 12 : {end}])"
    if kind == "bool":
        lines.append(f"    b_ = raw[{at} : {end}]")
        lines.append(f"    if b_ != _TRUE and b_ != _FALSE: _bad({name!r}, 'bool not 0 or 1')")
        return "b_ == _TRUE"
    if kind.startswith("uint"):
        bits = int(kind[4:] or 256)
        var = f"v{len(lines)}"
        lines.append(f"    {var} = _int(raw[{at} : {end}], 'big')")
        if bits < 256:
            consts[f"_MAX{bits}"] = (1 << bits) - 1
            lines.append(f"    if {var} > _MAX{bits}: _bad({name!r}, 'uint{bits} out of range')")
        return var
    if kind.startswith("int"):
        bits = int(kind[3:] or 256)
        var = f"v{len(lines)}"
        lines.append(f"    {var} = _int(raw[{at} : {end}], 'big', signed=True)")
        if bits < 256:
            consts[f"_IMAX{bits}"] = (1 << (bits - 1)) - 1
            lines.append(
                f"    if not -_IMAX{bits} - 1 <= {var} <= _IMAX{bits}: "
                f"_bad({name!r}, 'int{bits} out of range')"
            )
        return var
    size = int(kind[5:])  # bytesN
    if size == 32:
        return f"raw[{at} : {end}]"
    lines.append(
        f"    if raw[{at} + {size} : {end}] != _Z32[{size}:]: _bad({name!r}, 'dirty bytes{size}')"
    )
    return f"raw[{at} : {at} + {size}]"


def _generate(entry: Mapping[str, Any], kinds: Sequence[str]) -> tuple[str, dict[str, Any]]:
    """Source of ``decode(topics, data) -> (raw, args)`` for one event, and its constants."""
    inputs = entry["inputs"]
    topic_params = [p for p in inputs if p["indexed"]]
    data_params = [p for p in inputs if not p["indexed"]]
    n_topics = 1 + len(topic_params)
    base = 32 * n_topics
    consts: dict[str, Any] = {}
    hexes = "".join(f"{{topics[{i}][2:]}}" for i in range(n_topics))
    lines = [
        "def decode(topics, data):",
        f"    if len(topics) != {n_topics}: _bad('topics', f'{{len(topics)}} topics, "
        f"expected {n_topics}')",
        "    try:",
        f'        raw = _fromhex(f"{hexes}{{data[2:]}}")',
        "    except (ValueError, TypeError):",
        "        _bad('hex', 'topics or data are not hex')",
        "    n = len(raw)",
        f"    if n != {base} + ((n - {base}) // 32) * 32 or len(topics[{n_topics - 1}]) != 66:",
        "        _bad('length', f'{n} bytes are not whole words')",
    ]
    exprs: dict[int, str] = {}
    data_kinds = [kind for p, kind in zip(inputs, kinds, strict=True) if not p["indexed"]]
    slow = any(not _is_fast(kind) for kind in data_kinds)
    head = 32 * len(data_params)
    if slow:
        consts["_DATA_TYPES"] = data_kinds
        lines.append(f"    values = _abi_decode(_DATA_TYPES, raw[{base}:])")
    elif data_params:
        lines.append(
            f"    if n < {base + head}: _bad('data', f'{{n - {base}}} data bytes, need {head}')"
        )
    data_i = 0
    topic_i = 1
    for position, (param, kind) in enumerate(zip(inputs, kinds, strict=True)):
        name = param["name"] or f"arg{position}"
        if param["indexed"]:
            at = 32 * topic_i
            topic_i += 1
            # Indexed dynamic values (string, bytes, arrays, tuples) are only their hash on chain.
            exprs[position] = (
                _word_expr(kind, str(at), name, lines, consts)
                if _is_word(kind)
                else f"raw[{at} : {at} + 32]"
            )
        elif slow:
            exprs[position] = f"values[{data_i}]"
            data_i += 1
        else:
            at = base + 32 * data_i
            data_i += 1
            if _is_word(kind):
                exprs[position] = _word_expr(kind, str(at), name, lines, consts)
            else:
                var = f"d{position}"
                lines += [
                    f"    o_ = _int(raw[{at} : {at + 32}], 'big')",
                    f"    if o_ < {head} or o_ % 32 or {base} + o_ + 32 > n: "
                    f"_bad({name!r}, 'offset out of range')",
                    f"    s_ = {base} + o_ + 32",
                    "    l_ = _int(raw[s_ - 32 : s_], 'big')",
                    f"    if s_ + l_ > n: _bad({name!r}, 'length out of range')",
                    "    p_ = s_ + l_ + (-l_ % 32)",
                    f"    if p_ > n or raw[s_ + l_ : p_].strip(b'\\x00'): "
                    f"_bad({name!r}, 'dirty padding')",
                ]
                if kind == "string":
                    lines.append(
                        f"    {var} = raw[s_ : s_ + l_].decode('utf-8', 'surrogateescape')"
                    )
                else:
                    lines.append(f"    {var} = raw[s_ : s_ + l_]")
                exprs[position] = var
    args = ", ".join(exprs[i] for i in range(len(inputs)))
    lines.append(f"    return raw, ({args}{',' if len(inputs) == 1 else ''})")
    return "\n".join(lines) + "\n", consts


# ---------------------------------------------------------------------------------- masked


def _word_layout(kind: str) -> tuple[str, int, str] | None:
    """How the masked path reads one static word: its ``struct`` format, the bits of the word
    that must be zero (as an int over its 256 bits) and the expression building the value from
    the unpacked items (``{0}``, ``{1}``); ``None`` for types it cannot check with a mask."""
    if kind == "address":
        return "12x20s", ((1 << 96) - 1) << 160, "_cs({0})"
    if kind == "bool":
        return "31x?", ((1 << 255) - 1) << 1, "{0}"
    if kind.startswith("uint"):
        bits = int(kind[4:] or 256)
        pad = ((1 << (256 - bits)) - 1) << bits
        if bits <= 64:
            return "24xQ", pad, "{0}"
        if bits <= 128:
            return "16xQQ", pad, "{0} << 64 | {1}"
        return "32s", pad, "_int({0}, 'big')"
    if kind.startswith("bytes") and kind != "bytes" and "[" not in kind:
        size = int(kind[5:])
        return f"{size}s{32 - size}x" if size < 32 else "32s", (1 << (8 * (32 - size))) - 1, "{0}"
    return None  # signed ints must be sign-extended, not zero-padded: checked word by word


def _generate_masked(
    entry: Mapping[str, Any], kinds: Sequence[str], topic0: bytes
) -> tuple[str, dict[str, Any]] | None:
    """Source of a faster ``decode(topics, data)`` for events of static words only, or ``None``.

    One ``int.from_bytes`` of the words and one AND with the bits every word must have zero
    check all of them at once (padding, ranges); one ``struct`` call unpacks them; topic0 is not
    parsed (it chose the decoder) and ``binascii.unhexlify`` parses the rest (a fifth faster than
    ``bytes.fromhex``). Anything amiss goes to ``_checked``, the word-by-word decoder of
    :func:`_generate`, which says what.
    """
    inputs = entry["inputs"]
    typed = list(zip(inputs, kinds, strict=True))
    ordered = [t for t in typed if t[0]["indexed"]] + [t for t in typed if not t[0]["indexed"]]
    layouts = []
    for param, kind in ordered:
        indexed_hash = param["indexed"] and not _is_word(kind)  # a dynamic value's hash
        if indexed_hash:
            layout: tuple[str, int, str] | None = ("32s", 0, "{0}")
        else:
            layout = _word_layout(kind) if _is_word(kind) else None
        if layout is None:
            return None
        layouts.append((param, layout))
    n_topics = 1 + sum(1 for p in inputs if p["indexed"])
    base = 32 * n_topics
    end = 32 + 32 * len(layouts)  # topic0 is not read: it chose this decoder
    fmt, mask, values, item = ">", 0, {}, 0
    for word, (param, (word_fmt, pad, expr)) in enumerate(layouts):
        fmt += word_fmt
        mask |= pad << (256 * (len(layouts) - 1 - word))
        # Every format letter but the pad byte is one item; "?" (bool) is not a letter.
        items = sum(1 for c in word_fmt if not c.isdigit() and c != "x")
        values[id(param)] = expr.format(*(f"u{item + i}" for i in range(items)))
        item += items
    # topic0 chose this decoder (the table is keyed by it), so its bytes are the spec's.
    hexes = "".join(f"{{topics[{i}][2:]}}" for i in range(1, n_topics))
    lines = [
        "def decode(topics, data):",
        f"    if len(topics) != {n_topics}: return _checked(topics, data)",
        "    try:",
        f'        raw = _TOPIC0 + _unhex(f"{hexes}{{data[2:]}}")',
        "    except (ValueError, TypeError):",
        "        return _checked(topics, data)",
        "    n = len(raw)",
        f"    if n != {base} + ((n - {base}) // 32) * 32 or n < {end} "
        f"or len(topics[{n_topics - 1}]) != 66:",
        "        return _checked(topics, data)",
    ]
    if mask:
        lines.append(f"    if _int(raw[32:{end}], 'big') & _PAD: return _checked(topics, data)")
    unpacked = ", ".join(f"u{i}" for i in range(item))
    if item:
        lines.append(f"    {unpacked}{',' if item == 1 else ''} = _unpack(raw, 32)")
    args = ", ".join(values[id(p)] for p in inputs)
    lines.append(f"    return raw, ({args}{',' if len(inputs) == 1 else ''})")
    consts = {"_PAD": mask, "_unpack": struct.Struct(fmt).unpack_from, "_unhex": unhexlify}
    return "\n".join(lines) + "\n", {**consts, "_TOPIC0": topic0}


# --------------------------------------------------------------------------------- compile


def compile_decoder(
    where: str,
    entry: Mapping[str, Any],
    kinds: Sequence[str],
    topic0: bytes,
    checksum: Callable[[bytes], str],
) -> tuple[str, Callable[..., Any]]:
    """The source of one event's ``decode(topics, data) -> (raw, args)`` and the function.

    Args:
        where: ``Contract.Signature(...)``, naming the event in errors and tracebacks.
        entry: The event's ABI entry.
        kinds: The canonical ABI type of each of its inputs, in order.
        topic0: The event's topic0 (the masked decoder does not parse it: it chose the decoder).
        checksum: EIP-55 text of a 20-byte address, for the decoded addresses.
    """
    source, consts = _generate(entry, kinds)

    def bad(what: str, why: str) -> None:
        raise DecodeError(f"{where} {what}", why)

    def abi_decode(types: list[str], data: bytes) -> tuple[Any, ...]:
        from eth_abi.abi import decode as eth_abi_decode  # here: a slow path, a slow import

        try:
            return tuple(eth_abi_decode(types, data))
        except Exception as exc:
            raise DecodeError(f"{where} data", str(exc)) from None

    namespace: dict[str, Any] = {
        "_fromhex": bytes.fromhex,
        "_int": int.from_bytes,
        "_cs": checksum,
        "_bad": bad,
        "_abi_decode": abi_decode,
        "_Z12": bytes(12),
        "_Z32": bytes(32),
        "_TRUE": (1).to_bytes(32, "big"),
        "_FALSE": bytes(32),
        **consts,
    }
    exec(compile(source, f"<decoder {where}>", "exec"), namespace)
    masked = _generate_masked(entry, kinds, topic0)
    if masked is not None:  # the word-by-word decoder stays, to name what is wrong
        fast, consts = masked
        namespace.update(consts, _checked=namespace["decode"])
        exec(compile(fast, f"<decoder {where}, masked>", "exec"), namespace)
        source = source.replace("def decode(", "def _checked(", 1) + "\n" + fast
    return source, namespace["decode"]


__all__ = ["compile_decoder"]
