"""Benchmark of notice rendering: one single-page notice in a warm process, and a batch of 200.

Prints figures; asserts nothing about speed (DEVELOPERS: speed is measured, never a timed test).
"""

import statistics
import time
from datetime import date

from django.core.management.base import BaseCommand
from pypdf import PdfReader

from accounts.models import Organization
from notices.models import Kind, Letterhead, Notice
from notices.rendering import render_pdf

BODY = """根据《四川省技术创新中心建设运行管理办法》第十条规定，经专家咨询论证，同意建设四川省基准测试技术创新中心。"""


def sample_notice(number: int) -> tuple[Notice, Letterhead]:
    issuer = Organization(name="四川省科学技术厅", kind=Organization.Kind.DEPARTMENT)
    notice = Notice(
        kind=Kind.APPROVAL,
        title="关于同意建设四川省基准测试技术创新中心的批复",
        addressees="成都市科学技术局，成都天府轨道交通装备研究院有限公司",
        body=BODY,
        issuer=issuer,
        number=f"川科高〔2026〕{number}号",
        issue_date=date(2026, 11, 26),
        code=f"bench{number:07d}",
        state=Notice.State.ISSUED,
    )
    return notice, Letterhead(
        organization=issuer, mark="四川省科学技术厅文件", printer="四川省科学技术厅办公室"
    )


class Command(BaseCommand):
    help = "Time the rendering of official notices to PDF (single page warm, and a batch)."

    def add_arguments(self, parser):
        parser.add_argument("--batch", type=int, default=200)
        parser.add_argument("--repeat", type=int, default=20, help="single-notice renders to time")

    def handle(self, *args, batch, repeat, **options):
        import io

        notice, letterhead = sample_notice(1)
        started = time.perf_counter()
        content = render_pdf(notice, letterhead)
        cold = time.perf_counter() - started
        pages = len(PdfReader(io.BytesIO(content)).pages)

        times = []
        for i in range(repeat):
            notice, letterhead = sample_notice(i + 2)
            started = time.perf_counter()
            render_pdf(notice, letterhead)
            times.append(time.perf_counter() - started)

        started = time.perf_counter()
        for i in range(batch):
            notice, letterhead = sample_notice(1000 + i)
            render_pdf(notice, letterhead)
        total = time.perf_counter() - started

        times.sort()
        self.stdout.write(f"notice: {pages} page(s), {len(content) / 1024:.0f} KiB")
        self.stdout.write(f"first render (cold fonts): {cold:.3f} s")
        self.stdout.write(
            f"single notice, warm: median {statistics.median(times):.3f} s, "
            f"p95 {times[int(len(times) * 0.95) - 1]:.3f} s, min {times[0]:.3f} s over {repeat}"
        )
        self.stdout.write(
            f"batch of {batch}: {total:.1f} s, {batch / total:.1f} notices/s, {total / batch:.3f} s each"
        )
