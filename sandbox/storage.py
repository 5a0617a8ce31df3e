"""The sandbox's own storage: its own MetaData and SQLite file, apart from the tool's database
(a real LMS keeps its own records too). Holds its signing key, its courses (the first one and
its copies), their resource links, line items and the scores received."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import rsa
from sqlalchemy import (
    JSON,
    Column,
    Float,
    ForeignKey,
    Integer,
    MetaData,
    String,
    Table,
    Text,
    insert,
    inspect,
    select,
    text,
    update,
)
from sqlalchemy.engine import Engine
from sqlalchemy.exc import IntegrityError

from lti_tool.db import make_engine
from sandbox import people

metadata = MetaData()

setting = Table(
    "sandbox_setting",
    metadata,
    Column("name", String(64), primary_key=True),
    Column("value", Text, nullable=False),
)
course = Table(
    "sandbox_course",
    metadata,
    Column("id", String(64), primary_key=True),
    Column("title", String(255), nullable=False),
    Column("label", String(64), nullable=False),
    #: The course this one was copied from (the term-to-term backup/restore LMSs do).
    Column("copied_from", String(64)),
)
link = Table(
    "sandbox_link",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("course_id", String(64), nullable=False, server_default=people.COURSE_ID),
    Column("title", String(255), nullable=False),
    Column("text", Text),
    Column("url", String(1024), nullable=False),
    Column("custom", JSON),
    Column("created_at", String(40), nullable=False),
)
lineitem = Table(
    "sandbox_lineitem",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("course_id", String(64), nullable=False, server_default=people.COURSE_ID),
    Column("label", String(255), nullable=False),
    Column("score_maximum", Float, nullable=False),
    Column("resource_id", String(255)),
    Column("resource_link_id", String(255)),
    Column("tag", String(255)),
)
score = Table(
    "sandbox_score",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("lineitem_id", Integer, ForeignKey("sandbox_lineitem.id"), nullable=False),
    Column("user_id", String(255), nullable=False),
    Column("score_given", Float),
    Column("score_maximum", Float),
    Column("activity_progress", String(32)),
    Column("grading_progress", String(32)),
    Column("comment", Text),
    Column("timestamp", String(40), nullable=False),
    Column("received_at", String(40), nullable=False),
)


def link_key(link_id: int) -> str:
    """The resource link id the sandbox gives its link ``link_id``."""
    return f"sbx-link-{link_id}"


def now_iso() -> str:
    return datetime.now(UTC).isoformat(timespec="milliseconds")


class Store:
    def __init__(self, database_url: str) -> None:
        self.engine: Engine = make_engine(database_url)
        metadata.create_all(self.engine)
        self._add_course_columns()
        with self.engine.begin() as conn:
            if conn.scalar(select(course.c.id).where(course.c.id == people.COURSE_ID)) is None:
                conn.execute(
                    insert(course).values(
                        id=people.COURSE_ID, title=people.COURSE_TITLE, label=people.COURSE_LABEL
                    )
                )

    def _add_course_columns(self) -> None:
        """A sandbox file from before courses could be copied: its links and line items
        belong to the first course."""
        for table in (link, lineitem):
            columns = {c["name"] for c in inspect(self.engine).get_columns(table.name)}
            if "course_id" not in columns:
                with self.engine.begin() as conn:
                    conn.execute(
                        text(
                            f"ALTER TABLE {table.name} ADD COLUMN course_id VARCHAR(64) "
                            f"NOT NULL DEFAULT '{people.COURSE_ID}'"
                        )
                    )

    def dispose(self) -> None:
        self.engine.dispose()

    def private_key_pem(self) -> str:
        """The platform's RSA key, generated on first start and kept in this store."""
        with self.engine.begin() as conn:
            pem = conn.scalar(select(setting.c.value).where(setting.c.name == "private_key"))
        if pem:
            return str(pem)
        key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
        pem = key.private_bytes(
            serialization.Encoding.PEM,
            serialization.PrivateFormat.PKCS8,
            serialization.NoEncryption(),
        ).decode("ascii")
        try:
            with self.engine.begin() as conn:
                conn.execute(insert(setting).values(name="private_key", value=pem))
        except IntegrityError:  # two processes started at once: the first one's key wins
            return self.private_key_pem()
        return pem

    def tool_public_pem(self) -> str | None:
        """The tool's public key as the administrator pasted it (``tool_key_pasted``)."""
        with self.engine.begin() as conn:
            pem = conn.scalar(select(setting.c.value).where(setting.c.name == "tool_public_pem"))
        return str(pem) if pem else None

    def set_tool_public_pem(self, pem: str) -> None:
        with self.engine.begin() as conn:
            conn.execute(setting.delete().where(setting.c.name == "tool_public_pem"))
            conn.execute(insert(setting).values(name="tool_public_pem", value=pem))

    # -- courses ----------------------------------------------------------------------------

    def courses(self) -> list[dict[str, Any]]:
        with self.engine.begin() as conn:
            rows = conn.execute(select(course).order_by(course.c.title))
            return [dict(row._mapping) for row in rows]

    def get_course(self, course_id: str) -> dict[str, Any] | None:
        with self.engine.begin() as conn:
            row = conn.execute(select(course).where(course.c.id == course_id)).first()
        return dict(row._mapping) if row else None

    def copy_course(self, course_id: str) -> str:
        """Copy a course as an LMS's backup/restore does: a new context id, each deep-linked
        item again with its custom values under a new resource link id, and its line items
        (no scores)."""
        with self.engine.begin() as conn:
            source = conn.execute(select(course).where(course.c.id == course_id)).one()
            number = len(conn.execute(select(course.c.id)).all())
            new_id = f"{course_id}-copy-{number}"
            conn.execute(
                insert(course).values(
                    id=new_id,
                    title=f"{source.title} (copy {number})",
                    label=f"{source.label}-C{number}",
                    copied_from=course_id,
                )
            )
            links = conn.execute(select(link).where(link.c.course_id == course_id)).all()
            for row in links:
                new_link = conn.execute(
                    insert(link).values(
                        course_id=new_id,
                        title=row.title,
                        text=row.text,
                        url=row.url,
                        custom=row.custom,
                        created_at=now_iso(),
                    )
                ).inserted_primary_key[0]  # type: ignore[index]
                items = conn.execute(
                    select(lineitem).where(
                        lineitem.c.course_id == course_id,
                        lineitem.c.resource_link_id == link_key(row.id),
                    )
                ).all()
                for item in items:
                    conn.execute(
                        insert(lineitem).values(
                            course_id=new_id,
                            label=item.label,
                            score_maximum=item.score_maximum,
                            resource_id=item.resource_id,
                            resource_link_id=link_key(int(new_link)),
                            tag=item.tag,
                        )
                    )
        return new_id

    # -- links ------------------------------------------------------------------------------

    def add_link(
        self,
        title: str,
        text: str | None,
        url: str,
        custom: dict[str, Any],
        course_id: str = people.COURSE_ID,
    ) -> int:
        with self.engine.begin() as conn:
            result = conn.execute(
                insert(link).values(
                    course_id=course_id,
                    title=title,
                    text=text,
                    url=url,
                    custom=custom,
                    created_at=now_iso(),
                )
            )
            return int(result.inserted_primary_key[0])  # type: ignore[index]

    def links(self, course_id: str | None = None) -> list[dict[str, Any]]:
        """The links of ``course_id`` (every course's when None)."""
        query = select(link).order_by(link.c.id)
        if course_id is not None:
            query = query.where(link.c.course_id == course_id)
        with self.engine.begin() as conn:
            return [dict(row._mapping) for row in conn.execute(query)]

    def get_link(self, link_id: int) -> dict[str, Any] | None:
        with self.engine.begin() as conn:
            row = conn.execute(select(link).where(link.c.id == link_id)).first()
        return dict(row._mapping) if row else None

    # -- line items -------------------------------------------------------------------------

    def add_lineitem(self, data: dict[str, Any]) -> int:
        with self.engine.begin() as conn:
            result = conn.execute(
                insert(lineitem).values(**({"course_id": people.COURSE_ID} | data))
            )
            return int(result.inserted_primary_key[0])  # type: ignore[index]

    def lineitems(self, **filters: Any) -> list[dict[str, Any]]:
        query = select(lineitem).order_by(lineitem.c.id)
        for name, value in filters.items():
            if value is not None:
                query = query.where(lineitem.c[name] == value)
        with self.engine.begin() as conn:
            return [dict(row._mapping) for row in conn.execute(query)]

    def get_lineitem(self, lineitem_id: int) -> dict[str, Any] | None:
        with self.engine.begin() as conn:
            row = conn.execute(select(lineitem).where(lineitem.c.id == lineitem_id)).first()
        return dict(row._mapping) if row else None

    def update_lineitem(self, lineitem_id: int, data: dict[str, Any]) -> None:
        with self.engine.begin() as conn:
            conn.execute(update(lineitem).where(lineitem.c.id == lineitem_id).values(**data))

    def delete_lineitem(self, lineitem_id: int) -> None:
        with self.engine.begin() as conn:
            conn.execute(score.delete().where(score.c.lineitem_id == lineitem_id))
            conn.execute(lineitem.delete().where(lineitem.c.id == lineitem_id))

    # -- scores -----------------------------------------------------------------------------

    def add_score(self, data: dict[str, Any]) -> None:
        with self.engine.begin() as conn:
            conn.execute(insert(score).values(received_at=now_iso(), **data))

    def scores(
        self, lineitem_id: int | None = None, user_id: str | None = None
    ) -> list[dict[str, Any]]:
        query = select(score).order_by(score.c.id)
        if lineitem_id is not None:
            query = query.where(score.c.lineitem_id == lineitem_id)
        if user_id is not None:
            query = query.where(score.c.user_id == user_id)
        with self.engine.begin() as conn:
            return [dict(row._mapping) for row in conn.execute(query)]

    def latest_scores(self, lineitem_id: int) -> dict[str, dict[str, Any]]:
        """The last score received per user (what a gradebook shows)."""
        latest: dict[str, dict[str, Any]] = {}
        for row in self.scores(lineitem_id):
            latest[row["user_id"]] = row
        return latest
