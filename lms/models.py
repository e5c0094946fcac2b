"""Every model, imported in one place so that Alembic and the tests see the whole schema."""
from lms.attendance import versions
from lms.attendance.models import Attendance, AttendanceRule, AttendanceWarning
from lms.attendance.marks import AttendanceMark
from lms.attendance.signature_models import AttendanceSignature
from lms.api.models import ApiToken, ApiTokenScope
from lms.audit.models import AuditEvent
from lms.auth.models import LoginSession, Organisation, Role, Sector, User, UserRole
from lms.catalog.models import (
    ContentVersion, Course, CourseCompetenceArea, CourseSdg, Module, ModuleProgress,
)
from lms.catalog.framework_models import Competence, CourseCompetence, Framework
from lms.enrolment.models import Enrolment
from lms.growth.models import SelfAssessment, SelfAssessmentAnswer
from lms.enrolment.reservation_models import ReservedSeat, SeatReservation
from lms.enrolment.policy_models import LateCancellation, NoShowLift, WaitlistOffer
from lms.events.models import DomainEvent
from lms.community.models import (
    BoardPost, BoardReport, BoardThread, CommunityPreference, DirectoryOrganisation, DirectoryProfile,
)
from lms.evaluations.models import (
    CourseQuestionExclusion, EvaluationAnswer, EvaluationParticipation, EvaluationQuestion,
    EvaluationResponse,
)
from lms.needs.models import CompetenceNeed, CompetenceNeedSdg, CourseInterest
from lms.notifications.models import (
    CalendarFeed, CycleReminderSetting, Notification, NotificationPreference, OutboxMessage,
)
from lms.certificates.models import Certificate, CertificateSweepMark, CertificateSweepState
from lms.quizzes.models import AttemptAnswer, Question, Quiz, QuizAttempt
from lms.planning.models import ClassSession, Cycle, CycleTrainer, Room, SessionChange
from lms.privacy.models import ErasureRequest, FeedbackMessage
from lms.signup.models import AccountRequest, AccountRequestStatus

__all__ = [
    "ReservedSeat", "SeatReservation",
    "LateCancellation", "NoShowLift", "WaitlistOffer",
    "BoardPost", "BoardReport", "BoardThread", "CommunityPreference", "DirectoryOrganisation",
    "DirectoryProfile",
    "CourseQuestionExclusion", "EvaluationAnswer", "EvaluationParticipation", "EvaluationQuestion",
    "EvaluationResponse",
    "CompetenceNeed", "CompetenceNeedSdg", "CourseInterest",
    "ApiToken", "ApiTokenScope",
    "Certificate", "CertificateSweepMark", "CertificateSweepState",
    "Attendance", "AttendanceMark", "AttendanceRule", "AttendanceWarning",
    "AttendanceSignature",
    "AttemptAnswer", "Question", "Quiz", "QuizAttempt",
    "AuditEvent", "DomainEvent", "ContentVersion", "Course", "CourseCompetenceArea", "CourseSdg", "LoginSession",
    "Module", "ModuleProgress", "Organisation", "Role", "Sector", "User", "UserRole",
    "CalendarFeed", "CycleReminderSetting", "Notification", "NotificationPreference", "OutboxMessage",
    "ClassSession", "Cycle", "CycleTrainer", "Enrolment", "Room", "SessionChange",
    "ErasureRequest", "FeedbackMessage",
    "AccountRequest", "AccountRequestStatus",
    "Competence", "CourseCompetence", "Framework", "SelfAssessment", "SelfAssessmentAnswer",
]

versions.watch(Attendance.metadata)
