"""The bench's Markdown report (bench/run.py gathers the figures)."""

from __future__ import annotations


def modes_of(args) -> list[str]:
    """The page cache's settings measured: off, on, or both (each page under each); with
    `--writes-per-second`, also on while the data revision is raised that often ("writes")."""
    modes = ["off", "on"] if args.page_cache == "both" else [args.page_cache]
    if getattr(args, "writes_per_second", 0) and "on" in modes:
        modes.append("writes")
    return modes


def titles_of(args) -> dict[str, str]:
    rate = getattr(args, "writes_per_second", 0)
    return {"off": "", "on": "cached ", "writes": f"cached, {rate:g} writes/s, "}


def report(args, info, counts, small_counts, page_rows, bare, export_rows, rush_result) -> str:
    lines = [
        f"Machine: {info['machine']}.",
        f"Load average (1/5/15 min) before: {info['load_before']}, after: {info['load_after']}.",
        f"Data: {info['counts']}; built in {info['built_s']:.0f} s.",
        f"Password hashing (argon2id, one process): {info['hashing']}.",
        f"Command: `{info['command']}` ({info['date']}).",
        "",
    ]
    modes = modes_of(args)
    titles = titles_of(args)
    if page_rows:
        columns = "".join(
            f" {titles[m]}req/s | {titles[m]}p50 ms | {titles[m]}p95 ms | {titles[m]}ratio |"
            for m in modes
        )
        bare_cells = f" {bare['rps']:.1f} | {bare['p50']:.0f} | {bare['p95']:.0f} | 1.00 |" * len(
            modes
        )
        lines += [
            f"wrk -t{args.threads} -c{args.connections} -d{args.seconds}s, gunicorn -w 2 sync, "
            f"{args.rounds} round(s), medians; page cache: {', '.join(modes)} "
            "(ratio: to the bare 50-row page"
            + (
                f"; writes: the data revision raised {args.writes_per_second:g} times a second "
                "during wrk, as that many commits anywhere in the portal would"
                if "writes" in modes
                else ""
            )
            + "):",
            "",
            f"| page |{columns} SQL statements at {args.small or '–'} / {args.dossiers} |",
            "|---|" + "---:|" * 4 * len(modes) + "---|",
            f"| bare 50-row page |{bare_cells} 1 / 1 |",
        ]
    labels = [r["label"] for r in page_rows] or list(counts)
    by_label = {r["label"]: r for r in page_rows}
    if not page_rows and counts:
        lines += [
            f"| page | SQL statements at {args.small or '–'} / {args.dossiers} |",
            "|---|---|",
        ]
    for label in labels:
        sql = (
            f"{small_counts.get(label, ('', '–'))[1]} / {counts.get(label, ('', '–'))[1]}"
            if counts
            else "–"
        )
        row = by_label.get(label)
        if row:
            warn, cells = "", ""
            for mode in modes:
                m = row[mode]
                if m["bad"]:
                    warn += f" ({m['bad']} not 200 or failed, page cache {mode}!)"
                if m["timeouts"]:
                    warn += f" ({m['timeouts']} over wrk's 60 s timeout, page cache {mode})"
                if not m["rps"]:
                    warn += f" (no request done in {args.seconds} s, page cache {mode})"
                cells += f" {m['rps']:.1f} | {m['p50']:.0f} | {m['p95']:.0f} | {m['ratio']:.3f} |"
            lines.append(f"| {label}{warn} |{cells} {sql} |")
        else:
            lines.append(f"| {label} | {sql} |")
    if export_rows:
        lines += [
            "",
            f"Exports at {args.dossiers} dossiers (alone on a fresh gunicorn -w 2, median of "
            f"{args.rounds}; RSS: the largest growth of a worker):",
            "",
            "| export | first byte s | total s | worker RSS growth MB | size MB |",
            "|---|---:|---:|---:|---:|",
        ]
        for row in export_rows:
            lines.append(
                f"| {row['label']} | {row['first']:.2f} | {row['total']:.2f} | {row['rss']:.0f} "
                f"| {row['mb']:.1f} |"
            )
    if rush_result:
        from bench.rush import median, p95

        r = rush_result
        lines += [
            "",
            f"Deadline rush: {r.dossiers} dossiers, a 2 MB PDF each, {r.clients} clients, "
            f"gunicorn -w {args.rush_workers} sync, {r.seconds:.0f} s:",
            "",
            "| errors | lost | reference gaps | duplicates | login p50 / p95 ms "
            "| upload p50 / p95 ms | submit p50 / p95 ms |",
            "|---:|---:|---:|---:|---:|---:|---:|",
            f"| {len(r.errors)} | {r.lost} | {r.reference_gaps} | {r.duplicate_references} "
            f"| {median(r.login_ms):.0f} / {p95(r.login_ms):.0f} "
            f"| {median(r.upload_ms):.0f} / {p95(r.upload_ms):.0f} "
            f"| {median(r.submit_ms):.0f} / {p95(r.submit_ms):.0f} |",
        ]
    return "\n".join(lines)
