"""``ckan satudata …``: the extension's commands."""
from __future__ import annotations

import click

__all__ = ["satudata"]


@click.group(short_help="Perencanaan Data (Satu Data) commands")
def satudata() -> None:
    """Commands of ckanext-satudata_planning."""


@satudata.command("seed-demo")
def seed_demo() -> None:
    """Create the demo organizations, logins and datasets (idempotent)."""
    from ckanext.satudata_planning import demo

    made = demo.seed()
    click.secho(
        "Demo: {organizations} organisasi, {users} pengguna, "
        "{memberships} keanggotaan, {datasets} dataset dibuat.".format(**made),
        fg="green",
    )


@satudata.command("demo-logins")
def demo_logins() -> None:
    """Print the demo logins."""
    from ckanext.satudata_planning import demo

    click.echo(f"Login demo (kata sandi semua akun: {demo.DEMO_PASSWORD})")
    for login in demo.LOGINS:
        click.echo(f"  {login.name:<22} {login.role}")


@satudata.command("cycle-status")
@click.argument("tahun")
def cycle_status(tahun: str) -> None:
    """Print the timeline of the planning cycle of TAHUN (its year or id)."""
    import ckan.plugins.toolkit as tk

    from ckanext.satudata_planning import sop

    site_user = tk.get_action("get_site_user")({"ignore_auth": True}, {})
    context = {"user": site_user["name"], "ignore_auth": True}
    try:
        cycle = tk.get_action("satudata_cycle_show")(context, {"id": tahun})
    except tk.ObjectNotFound:
        click.secho(f"Siklus perencanaan {tahun} tidak ditemukan.", fg="red", err=True)
        raise SystemExit(1) from None
    except tk.ValidationError as e:
        click.secho(f"Tahun tidak valid: {e.error_dict}", fg="red", err=True)
        raise SystemExit(2) from None

    lang = sop.current_lang()
    status = "selesai" if cycle["status"] == "selesai" else (
        f"berjalan, langkah {cycle['current_step']}")
    click.secho(f"{cycle['judul']} ({cycle['tahun']}): {status}", bold=True)
    marks = {"selesai": "[x]", "berjalan": "[>]", "belum": "[ ]"}
    for step in cycle["steps"]:
        who = ", ".join(sop.Actor(a).label.get(lang) for a in step["executors"])
        line = f"{marks.get(step['state'], '[?]')} {step['number']:>2}. {step['title']}"
        click.echo(line)
        detail = [f"pelaksana: {who}", f"durasi: {step['duration_days']} hari kerja"]
        if step["due_date"]:
            detail.append(f"tenggat: {step['due_date']}")
        elif step["planned_start"]:
            detail.append(f"rencana mulai: {step['planned_start']}")
        if step["completed"]:
            by = step["completed_by"] or "-"
            when = step["completed"][:16].replace("T", " ")
            detail.append(f"selesai: {when} UTC oleh {by}")
        if step["overdue_days"]:
            detail.append(f"terlambat {step['overdue_days']} hari kerja")
        click.echo("       " + "; ".join(detail))
        for message in step["missing"]:
            click.secho(f"       belum ada: {message}", fg="yellow")


@satudata.command("resend-sk")
@click.argument("tahun")
def resend_sk(tahun: str) -> None:
    """E-mail the published SK of TAHUN to every Produsen Data again."""
    import ckan.plugins.toolkit as tk

    site_user = tk.get_action("get_site_user")({"ignore_auth": True}, {})
    context = {"user": site_user["name"], "ignore_auth": True}
    try:
        result = tk.get_action("satudata_sk_publish")(
            context, {"cycle_id": tahun, "resend": True})
    except tk.ObjectNotFound:
        click.secho(f"Siklus perencanaan {tahun} tidak ditemukan.", fg="red", err=True)
        raise SystemExit(1) from None
    except tk.ValidationError as e:
        click.secho(f"Tidak dapat mengirim: {e.error_dict}", fg="red", err=True)
        raise SystemExit(2) from None
    click.secho(f"E-mail terkirim ke {result['notified']} Produsen Data.", fg="green")
    for failure in result["failed"]:
        click.secho(f"  gagal: {failure['user']}: {failure['error']}", fg="yellow")
    if result["failed"]:
        raise SystemExit(3)


@satudata.command("provision")
@click.argument("tahun")
def provision_cmd(tahun: str) -> None:
    """Prepare the datasets of the agreed list of TAHUN (step 10), in this process."""
    import ckan.plugins.toolkit as tk
    import sqlalchemy

    from ckanext.satudata_planning import provisioning as provision
    from ckanext.satudata_planning.model import Cycle

    cycle = Cycle.get(tahun)
    if cycle is None:
        click.secho(f"Siklus perencanaan {tahun} tidak ditemukan.", fg="red", err=True)
        raise SystemExit(1)
    site_user = tk.get_action("get_site_user")({"ignore_auth": True}, {})
    click.echo(f"Menyiapkan dataset Daftar Data {cycle.tahun}: "
               f"{provision.pending_count(cycle.id)} butir.")

    def echo(result: provision.Result, batch: int) -> None:
        click.echo(f"  batch {batch}: {result.done}/{result.total} "
                   f"(dibuat {result.created}, diperbarui {result.updated})")

    try:
        result = provision.tracked_run(cycle.id, site_user["name"], echo=echo)
    except provision.Busy:
        click.secho("Penyediaan siklus ini sedang berjalan di proses lain.",
                    fg="red", err=True)
        raise SystemExit(2) from None
    except sqlalchemy.exc.DBAPIError as e:  # the database went away mid-run
        click.secho("Penyediaan berhenti: basis data tidak dapat dipakai "
                    f"({provision.failure_message(e)}). Batch yang sudah selesai "
                    "tetap tersimpan; jalankan perintah ini lagi untuk "
                    "melanjutkan.", fg="red", err=True)
        raise SystemExit(4) from None
    click.secho(f"Selesai dalam {result.seconds:.1f} detik: dibuat {result.created}, "
                f"diperbarui {result.updated}, gagal {len(result.errors)}.", fg="green")
    for error in result.errors:
        click.secho(f"  gagal: {error['kode_data']}: {error['errors']}", fg="yellow")
    for row in result.removed:
        click.secho("  dikeluarkan dari daftar (dataset tetap ada): "
                    f"{row['kode_data']} "
                    f"-> {row['package_name']}", fg="yellow")
    if result.errors:
        raise SystemExit(3)


@satudata.command("tables")
@click.argument("tahun")
def tables_cmd(tahun: str) -> None:
    """Give the datasets of TAHUN's agreed rows their data tables (datasets
    made before tables existed, or a table removed by hand); idempotent."""
    import ckan.model as model
    import sqlalchemy as sa

    from ckanext.satudata_planning.model import Cycle, Item, ItemState
    from ckanext.satudata_planning.tables import ensure

    cycle = Cycle.get(tahun)
    if cycle is None:
        click.secho(f"Siklus perencanaan {tahun} tidak ditemukan.", fg="red", err=True)
        raise SystemExit(1)
    if not ensure.available():
        click.secho("Tabel data tidak aktif (plugin datastore dan tabledesigner, "
                    "ckanext.satudata_planning.data_tables).", fg="red", err=True)
        raise SystemExit(2)
    items = model.Session.execute(
        sa.select(Item).where(Item.cycle_id == cycle.id, Item.disepakati.is_(True),
                              Item.state == ItemState.ACTIVE,
                              Item.package_id.is_not(None))
        .order_by(Item.kode_data)).scalars().all()
    report = ensure.ensure_tables([(i, i.package_id) for i in items])
    click.echo(f"Tabel data {cycle.tahun}: dibuat {len(report.created)}, "
               f"dirancang ulang {len(report.redesigned)}, tetap "
               f"{len(report.unchanged)}, tanpa tabel {len(report.skipped)}, "
               f"gagal {len(report.errors)}.")
    for misfit in report.misfits:
        click.secho(f"  {misfit['kode_data']}: {len(misfit['removed'])} rekaman "
                    "tidak lagi sesuai dan dihapus", fg="yellow")
    if report.errors:
        raise SystemExit(3)


@satudata.command("auth-table")
@click.option(
    "--readme",
    type=click.Path(exists=True, dir_okay=False, writable=True),
    help="Write the table between the auth-matrix markers of this file.",
)
def auth_table(readme: str | None) -> None:
    """Print the auth matrix (logic/access.py) as Markdown, or write it into README."""
    from ckanext.satudata_planning.logic import access

    if not readme:
        click.echo(access.markdown(), nl=False)
        return
    with open(readme, encoding="utf-8") as f:
        text = f.read()
    try:
        updated = access.with_table(text)
    except ValueError:
        raise click.ClickException(
            f"{readme} tidak memuat penanda {access.START} … {access.END}"
        ) from None
    if updated != text:
        with open(readme, "w", encoding="utf-8") as f:
            f.write(updated)


@satudata.command("remind")
@click.option("--dry-run", is_flag=True,
              help="Print one line per message (e-mail, kode_data); send nothing.")
@click.option("--today", metavar="YYYY-MM-DD",
              help="Remind as on this day (default: today in the portal's zone).")
def remind_cmd(dry_run: bool, today: str | None) -> None:
    """E-mail the release-calendar reminders of the day (once per reason)."""
    import ckan.plugins.toolkit as tk

    site_user = tk.get_action("get_site_user")({"ignore_auth": True}, {})
    context = {"user": site_user["name"], "ignore_auth": True}
    data = {"dry_run": dry_run, **({"today": today} if today else {})}
    try:
        result = tk.get_action("satudata_remind")(context, data)
    except tk.ValidationError as e:
        click.secho(f"Tidak dapat mengirim: {e.error_dict}", fg="red", err=True)
        raise SystemExit(2) from None
    if not result["working_day"]:
        click.echo(f"{result['today']} bukan hari kerja: tidak ada pengingat.")
        return
    if dry_run:
        for message in result["messages"]:
            click.echo(f"{message['email'] or message['user']}\t"
                       f"{', '.join(message['kode_data'])}")
        click.echo(f"{len(result['messages'])} pesan akan dikirim (uji coba, "
                   "tidak ada yang terkirim).", err=True)
        return
    click.secho(f"{result['today']}: {result['sent']} pesan pengingat terkirim.",
                fg="green")
    for failure in result["failed"]:
        click.secho(f"  gagal: {failure}", fg="yellow")
    if result["failed"]:
        raise SystemExit(3)


@satudata.command("schedule-reminders")
def schedule_reminders() -> None:
    """Put the daily reminder run in the jobs worker's scheduler."""
    from ckanext.satudata_planning import config
    from ckanext.satudata_planning.release import remind
    from ckanext.satudata_planning.sop import working_days

    when = remind.schedule()
    local = when.astimezone(working_days.timezone())
    click.secho(f"Pengingat jadwal rilis dijadwalkan setiap hari pukul "
                f"{config.remind_hour():02d}.00 ({config.timezone()}); "
                f"berikutnya {local:%Y-%m-%d %H:%M}.", fg="green")
