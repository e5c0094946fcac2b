"""Competence frameworks, the competences each course builds, and learners' self-assessments (lms/growth).

Revision ID: 0033_competence_growth
Revises: 0032_content_version_packages
"""
import sqlalchemy as sa
from alembic import op

import lms.db_types

revision = '0033_competence_growth'
down_revision = '0032_content_version_packages'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        'competence_frameworks',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('slug', sa.String(length=80), nullable=False),
        sa.Column('title_sv', sa.String(length=300), nullable=False),
        sa.Column('title_en', sa.String(length=300), nullable=False),
        sa.Column('source', sa.Text(), nullable=False),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_competence_frameworks')),
        sa.UniqueConstraint('slug', name=op.f('uq_competence_frameworks_slug')),
    )
    op.create_table(
        'competences',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('framework_id', sa.Integer(), nullable=False),
        sa.Column('key', sa.String(length=170), nullable=False),
        sa.Column('position', sa.Integer(), nullable=False),
        sa.Column('area_slug', sa.String(length=80), nullable=False),
        sa.Column('area_sv', sa.String(length=300), nullable=False),
        sa.Column('area_en', sa.String(length=300), nullable=False),
        sa.Column('name_sv', sa.String(length=300), nullable=False),
        sa.Column('name_en', sa.String(length=300), nullable=False),
        sa.Column('statement_sv', sa.String(length=300), nullable=False),
        sa.Column('statement_en', sa.String(length=300), nullable=False),
        sa.Column('retired', sa.Boolean(), nullable=False),
        sa.ForeignKeyConstraint(['framework_id'], ['competence_frameworks.id'],
                                name=op.f('fk_competences_framework_id_competence_frameworks'), ondelete='CASCADE'),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_competences')),
        sa.UniqueConstraint('key', name=op.f('uq_competences_key')),
    )
    op.create_index(op.f('ix_competences_framework_id'), 'competences', ['framework_id'])
    op.create_table(
        'course_competences',
        sa.Column('course_id', sa.Integer(), nullable=False),
        sa.Column('competence_id', sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(['competence_id'], ['competences.id'],
                                name=op.f('fk_course_competences_competence_id_competences'), ondelete='CASCADE'),
        sa.ForeignKeyConstraint(['course_id'], ['courses.id'],
                                name=op.f('fk_course_competences_course_id_courses'), ondelete='CASCADE'),
        sa.PrimaryKeyConstraint('course_id', 'competence_id', name=op.f('pk_course_competences')),
    )
    op.create_index(op.f('ix_course_competences_competence_id'), 'course_competences', ['competence_id'])
    op.create_table(
        'self_assessments',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('user_id', sa.Integer(), nullable=False),
        sa.Column('cycle_id', sa.Integer(), nullable=False),
        sa.Column('phase', sa.String(length=10), nullable=False),
        sa.Column('submitted_at', lms.db_types.UTCDateTime(), nullable=False),
        sa.CheckConstraint("phase IN ('before', 'after', 'later')", name=op.f('ck_self_assessments_phase_known')),
        sa.ForeignKeyConstraint(['cycle_id'], ['cycles.id'], name=op.f('fk_self_assessments_cycle_id_cycles'),
                                ondelete='CASCADE'),
        sa.ForeignKeyConstraint(['user_id'], ['users.id'], name=op.f('fk_self_assessments_user_id_users'),
                                ondelete='CASCADE'),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_self_assessments')),
        sa.UniqueConstraint('user_id', 'cycle_id', 'phase', name=op.f('uq_self_assessments_user_cycle_phase')),
    )
    op.create_index(op.f('ix_self_assessments_cycle_id'), 'self_assessments', ['cycle_id'])
    op.create_index(op.f('ix_self_assessments_user_id'), 'self_assessments', ['user_id'])
    op.create_table(
        'self_assessment_answers',
        sa.Column('assessment_id', sa.Integer(), nullable=False),
        sa.Column('competence_id', sa.Integer(), nullable=False),
        sa.Column('level', sa.Integer(), nullable=True),
        sa.CheckConstraint('level IS NULL OR level BETWEEN 1 AND 5',
                           name=op.f('ck_self_assessment_answers_level_range')),
        sa.ForeignKeyConstraint(['assessment_id'], ['self_assessments.id'],
                                name=op.f('fk_self_assessment_answers_assessment_id_self_assessments'),
                                ondelete='CASCADE'),
        sa.ForeignKeyConstraint(['competence_id'], ['competences.id'],
                                name=op.f('fk_self_assessment_answers_competence_id_competences'), ondelete='CASCADE'),
        sa.PrimaryKeyConstraint('assessment_id', 'competence_id', name=op.f('pk_self_assessment_answers')),
    )
    op.create_index(op.f('ix_self_assessment_answers_competence_id'), 'self_assessment_answers', ['competence_id'])


def downgrade():
    op.drop_table('self_assessment_answers')
    op.drop_table('self_assessments')
    op.drop_table('course_competences')
    op.drop_table('competences')
    op.drop_table('competence_frameworks')
