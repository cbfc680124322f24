/** TypeScript shapes of what the documents in web/graphql/ select (kept next to them by hand). */

export type Role = 'ADMINISTRATOR' | 'SUPERVISOR' | 'OPERATOR' | 'CLIENT_USER';
export type EventStatus = 'DETECTED' | 'DOCUMENTED' | 'VALIDATED' | 'ARCHIVED';
export type PlateMatch = 'EXACT' | 'PREFIX' | 'OCR' | 'OCR_PREFIX';
export type Language = 'ES' | 'EN';
export type Theme = 'LIGHT' | 'DARK' | 'AUTO';
export type VideoQuality = 'HIGH' | 'MEDIUM' | 'LOW' | 'AUTO';

export const PERMISSIONS = [
  'READ_EVENTS',
  'WRITE_BASIC_METADATA',
  'EDIT_OWN_METADATA',
  'DELETE_EVENTS',
  'VIEW_VIDEOS',
  'DOWNLOAD_VIDEOS',
  'EXPORT_VIDEO_SEGMENTS',
  'SEARCH_ALL_COMPANIES',
  'SEARCH_OWN_COMPANY',
  'ADVANCED_SEARCH',
  'MANAGE_USERS',
  'MANAGE_COMPANIES',
  'SYSTEM_CONFIG',
  'VIEW_AUDIT_LOGS',
  'GENERATE_BASIC_REPORTS',
  'GENERATE_DETAILED_REPORTS',
  'EXPORT_DATA',
  'SCHEDULE_REPORTS',
] as const;
export type Permission = (typeof PERMISSIONS)[number];

export const ROLES: Role[] = ['ADMINISTRATOR', 'SUPERVISOR', 'OPERATOR', 'CLIENT_USER'];
export const STATUSES: EventStatus[] = ['DETECTED', 'DOCUMENTED', 'VALIDATED', 'ARCHIVED'];
export const PLATE_MATCHES: PlateMatch[] = ['EXACT', 'PREFIX', 'OCR', 'OCR_PREFIX'];

export const AUDIT_ACTIONS = [
  'LOGIN',
  'LOGIN_FAILED',
  'LOGOUT',
  'TOKEN_REFRESH',
  'PASSWORD_CHANGE',
  'PASSWORD_RESET_REQUEST',
  'PASSWORD_RESET',
  'VIEW_EVENT',
  'SEARCH_EVENTS',
  'CREATE_METADATA',
  'UPDATE_METADATA',
  'CHANGE_STATUS',
  'CORRECT_PLATE',
  'ASSIGN_COMPANY',
  'INGEST_EVENT',
  'DOWNLOAD_VIDEO',
  'EXPORT_DATA',
  'CREATE_USER',
  'UPDATE_USER',
  'MODIFY_PERMISSIONS',
  'UPDATE_PREFERENCES',
  'CREATE_COMPANY',
  'UPDATE_COMPANY',
  'REGISTER_VEHICLE',
  'REMOVE_VEHICLE',
  'CONFIGURE_DEVICE',
  'DEVICE_ACTION',
  'UPDATE_WATCHLIST',
  'RETRY_DEAD_LETTER',
  'DISCARD_DEAD_LETTER',
] as const;
export type AuditAction = (typeof AUDIT_ACTIONS)[number];
export const RESOURCE_TYPES = [
  'USER',
  'COMPANY',
  'EVENT',
  'VIDEO',
  'REPORT',
  'SESSION',
  'VEHICLE',
  'DEVICE',
  'WATCHLIST',
  'INGEST',
] as const;
export type ResourceType = (typeof RESOURCE_TYPES)[number];

export interface FieldError {
  field: string;
  code: string;
  message: string;
}

/** Any member of a result union that implements the Error interface. */
export interface ErrorMember {
  __typename:
    | 'ValidationError'
    | 'ConflictError'
    | 'NotFoundError'
    | 'PermissionDeniedError'
    | 'AuthenticationError'
    | 'IntegrationError';
  message: string;
  code: string;
  fields?: FieldError[];
}

export interface PageInfo {
  hasNextPage: boolean;
  endCursor: string | null;
}

export interface Connection<T> {
  edges: { cursor?: string; node: T }[];
  pageInfo: PageInfo;
}

export interface CompanyRef {
  id: string;
  databaseId: number;
  name: string;
  rutDisplay: string;
}

export interface UserRef {
  id: string;
  fullName: string;
  email: string;
}

export interface ViewerUser {
  id: string;
  databaseId: number;
  email: string;
  firstName: string;
  lastName: string;
  fullName: string;
  role: Role;
  company: CompanyRef | null;
}

export interface Preferences {
  language: Language;
  timezone: string;
  theme: Theme;
  defaultPageSize: number;
  videoQuality: VideoQuality;
  autoPlay: boolean;
}

export interface MeData {
  me: { user: ViewerUser; permissions: Permission[] } | null;
  myPreferences: Preferences;
}

export interface AuthSuccess {
  __typename: 'AuthSuccess';
  accessToken: string;
  accessTokenExpiresAt: number;
  refreshToken: string;
  user?: ViewerUser;
}

export interface OkSuccess {
  __typename: 'OkSuccess';
  ok: boolean;
}

export interface EventRow {
  id: string;
  databaseId: number;
  plate: string;
  plateDisplay: string;
  eventTime: string;
  confidence: number;
  lowConfidence: boolean;
  timeIssue: TimeIssue | null;
  cameraCode: string;
  status: EventStatus;
  hasBasicMetadata: boolean;
  company: { id: string; name: string } | null;
  primaryCamera: { cameraName: string } | null;
  metadata: { guideNumber: string | null } | null;
}

export interface Picture {
  kind: string;
  url: string;
}

export interface CameraRead {
  cameraCode: string;
  cameraName: string;
  plateReading: string;
  confidence: number;
  readAt: string | null;
  direction: string | null;
  source: string;
  pictures: Picture[];
}

/** Why an event's time is its arrival time (the camera's clock could not be used). */
export type TimeIssue = 'UNREADABLE' | 'CLOCK_SKEW';

export interface EventDetail {
  id: string;
  databaseId: number;
  plate: string;
  plateDisplay: string;
  plateRaw: string;
  plateFormat: string;
  eventTime: string;
  confidence: number;
  lowConfidence: boolean;
  timeIssue: TimeIssue | null;
  reportedTime: string | null;
  cameraCode: string;
  status: EventStatus;
  hasBasicMetadata: boolean;
  createdAt: string;
  updatedAt: string;
  processedAt: string | null;
  thumbnailUrl: string | null;
  company: CompanyRef | null;
  primaryCamera: CameraRead | null;
  secondaryCamera: CameraRead | null;
  documentaryVideos: {
    cameraCode: string;
    filename: string;
    durationSeconds: number;
    sizeBytes: number;
  }[];
  metadata: {
    guideNumber: string | null;
    guideDate: string | null;
    originProject: string | null;
    cargoDescription: string | null;
    observations: string | null;
    createdAt: string;
    updatedAt: string;
    createdBy: UserRef | null;
    lastModifiedBy: UserRef | null;
  } | null;
  plateCorrections: {
    fromPlate: string;
    toPlate: string;
    reason: string;
    createdAt: string;
    correctedBy: UserRef | null;
  }[];
}

export interface EventSuccess {
  __typename: 'EventSuccess';
  event: EventDetail;
}

export interface EventFilter {
  plate?: string | null;
  plateMatch?: PlateMatch;
  companyId?: string | null;
  unassigned?: boolean | null;
  since?: string | null;
  until?: string | null;
  statuses?: EventStatus[] | null;
  cameraCode?: string | null;
  guideNumber?: string | null;
  documented?: boolean | null;
  lowConfidence?: boolean | null;
  timeIssue?: boolean | null;
  includeArchived?: boolean;
}

export interface Contact {
  name: string | null;
  position: string | null;
  phone: string | null;
  email: string | null;
}

export interface Company extends CompanyRef {
  rut: string;
  businessName: string | null;
  address: string;
  city: string;
  region: string;
  phone: string;
  email: string;
  isActive: boolean;
  createdAt: string;
  updatedAt: string;
  primaryContact: Contact | null;
}

export interface Vehicle {
  id: string;
  databaseId: number;
  plate: string;
  description: string;
  isActive: boolean;
  company: { id: string; name: string } | null;
}

export interface Grant {
  permission: Permission;
  grantedAt: string;
  expiresAt: string | null;
}

export interface User {
  id: string;
  databaseId: number;
  email: string;
  firstName: string;
  lastName: string;
  fullName: string;
  phone: string | null;
  role: Role;
  department: string | null;
  position: string | null;
  isActive: boolean;
  lastLogin: string | null;
  lockedUntil: string | null;
  createdAt: string;
  company: CompanyRef | null;
  grants: Grant[];
}

export interface AuditEntry {
  id: string;
  action: AuditAction;
  resourceType: ResourceType;
  resourceId: string;
  ipAddress: string;
  userAgent: string;
  timestamp: string;
  beforeState: unknown;
  afterState: unknown;
  companyId: number | null;
  user: UserRef | null;
}

export type EventChangeKind = 'CREATED' | 'UPDATED';

export interface LiveEvent {
  id: string;
  plate: string;
  plateDisplay: string;
  eventTime: string;
  confidence: number;
  lowConfidence: boolean;
  cameraCode: string;
  status: EventStatus;
  company: { name: string } | null;
  primaryCamera: { cameraName: string; pictures: Picture[] } | null;
}

export interface EventChange {
  kind: EventChangeKind;
  at: string;
  event: LiveEvent;
}

export const DEAD_LETTER_STATUSES = ['PENDING', 'RETRIED', 'DISCARDED'] as const;
export type DeadLetterStatus = (typeof DEAD_LETTER_STATUSES)[number];

/** A camera read the ingest consumer could not store (administrators retry or discard it). */
export interface DeadLetter {
  id: string;
  databaseId: number;
  naturalKey: string;
  source: string;
  cameraCode: string;
  payload: unknown;
  error: string;
  attempts: number;
  status: DeadLetterStatus;
  firstFailedAt: string;
  lastFailedAt: string;
  resolvedAt: string | null;
  resolvedBy: UserRef | null;
}

export interface DeadLetterSuccess {
  __typename: 'DeadLetterSuccess';
  deadLetter: DeadLetter;
}
