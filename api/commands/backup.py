"""``kg backup DIR`` and ``kg restore DIR``: a consistent copy of the store and the search index."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from api.commands import fail
from api.settings import Settings


def register(app: typer.Typer) -> None:
    """Add the commands to the ``kg`` app."""

    @app.command("backup")
    def backup_command(
        ctx: typer.Context,
        directory: Annotated[Path, typer.Argument(help="Thư mục sao lưu (mới hoặc rỗng)")],
    ) -> None:
        """Sao lưu kho đồ thị và chỉ mục tìm kiếm (nhất quán, kể cả khi máy chủ đang chạy)."""
        from api import backup, handoff
        from api.corpus import Corpus

        settings: Settings = ctx.obj
        try:
            server = handoff.find_server(settings)
            if server:
                typer.echo(f"Máy chủ đang chạy tại {server.url}: máy chủ tự sao lưu.", err=True)
                manifest = server.post("/api/local/backup", {"directory": str(directory.expanduser().resolve())})
            else:
                manifest = backup.backup(Corpus(settings), directory)
        except (backup.BackupError, handoff.HandoffError) as err:
            raise fail(err) from None
        except OSError as err:
            raise fail(f"không sao lưu được vào {directory}: {err}") from None
        typer.echo(f"Đã sao lưu {manifest['quads']} bộ bốn và {manifest['passages']} đoạn vào {directory}.")

    @app.command("restore")
    def restore_command(
        ctx: typer.Context,
        directory: Annotated[Path, typer.Argument(help="Thư mục đã sao lưu bằng 'kg backup'")],
    ) -> None:
        """Khôi phục kho đồ thị và chỉ mục từ bản sao lưu (thay dữ liệu hiện có; cần dừng máy chủ)."""
        from api import backup, handoff

        settings: Settings = ctx.obj
        if handoff.find_server(settings):
            raise fail(f"máy chủ đang chạy trên {settings.home}: hãy dừng 'kg serve' rồi khôi phục.")
        try:
            manifest = backup.restore(settings, directory)
        except backup.BackupError as err:
            raise fail(err) from None
        except OSError as err:
            raise fail(f"không khôi phục được từ {directory}: {err}") from None
        typer.echo(f"Đã khôi phục {manifest['quads']} bộ bốn và {manifest['passages']} đoạn "
                   f"(sao lưu lúc {manifest['created']}) vào {settings.home}.")
