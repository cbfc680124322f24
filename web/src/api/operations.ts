/** Typed handles for every operation in web/graphql/*.graphql. */
import audit from '../../graphql/audit.graphql?raw';
import auth from '../../graphql/auth.graphql?raw';
import companies from '../../graphql/companies.graphql?raw';
import events from '../../graphql/events.graphql?raw';
import fragments from '../../graphql/fragments.graphql?raw';
import ingest from '../../graphql/ingest.graphql?raw';
import live from '../../graphql/live.graphql?raw';
import preferences from '../../graphql/preferences.graphql?raw';
import users from '../../graphql/users.graphql?raw';
import type { Operation } from './client';
import { DocumentRegistry } from './documents';
import type {
  AuditAction,
  AuditEntry,
  AuthSuccess,
  Company,
  CompanyRef,
  Connection,
  DeadLetter,
  DeadLetterStatus,
  DeadLetterSuccess,
  ErrorMember,
  EventChange,
  EventFilter,
  EventRow,
  EventStatus,
  EventSuccess,
  MeData,
  OkSuccess,
  Permission,
  Preferences,
  ResourceType,
  Role,
  User,
  UserRef,
  Vehicle,
} from './types';

export const registry = new DocumentRegistry({
  'fragments.graphql': fragments,
  'auth.graphql': auth,
  'preferences.graphql': preferences,
  'events.graphql': events,
  'companies.graphql': companies,
  'users.graphql': users,
  'audit.graphql': audit,
  'live.graphql': live,
  'ingest.graphql': ingest,
});

function op<TData, TVars = Record<string, never>>(name: string): Operation<TData, TVars> {
  return { name, document: registry.document(name) };
}

type Result<S> = S | ErrorMember;
type Ok = Result<OkSuccess>;

export interface CompanyInput {
  rut?: string | null;
  name?: string | null;
  businessName?: string | null;
  address?: string | null;
  city?: string | null;
  region?: string | null;
  phone?: string | null;
  email?: string | null;
  primaryContact?: { name: string; position?: string | null; phone?: string | null; email?: string | null } | null;
  isActive?: boolean | null;
}

export interface CreateUserInput {
  email: string;
  password: string;
  firstName: string;
  lastName: string;
  role: Role;
  companyId?: string | null;
  phone?: string | null;
  department?: string | null;
  position?: string | null;
}

export type UpdateUserInput = Partial<
  Pick<CreateUserInput, 'firstName' | 'lastName' | 'phone' | 'department' | 'position' | 'role'>
> & { isActive?: boolean | null };

export interface EventMetadataInput {
  guideNumber?: string | null;
  guideDate?: string | null;
  originProject?: string | null;
  cargoDescription?: string | null;
  observations?: string | null;
  companyId?: string | null;
}

export interface AuditFilter {
  action?: AuditAction | null;
  resourceType?: ResourceType | null;
  resourceId?: string | null;
  userId?: string | null;
  since?: string | null;
  until?: string | null;
}

type Page = { first?: number | null; after?: string | null };

export const ops = {
  me: op<MeData>('Me'),
  login: op<{ login: Result<AuthSuccess> }, { email: string; password: string }>('Login'),
  logout: op<{ logout: Ok }>('Logout'),
  requestPasswordReset: op<{ requestPasswordReset: Ok }, { email: string }>('RequestPasswordReset'),
  resetPassword: op<{ resetPassword: Ok }, { token: string; newPassword: string }>('ResetPassword'),
  changePassword: op<{ changePassword: Ok }, { currentPassword: string; newPassword: string }>(
    'ChangePassword',
  ),
  updateMyPreferences: op<
    { updateMyPreferences: Result<{ __typename: 'PreferencesSuccess'; preferences: Preferences }> },
    { input: Partial<Preferences> }
  >('UpdateMyPreferences'),

  searchEvents: op<{ events: Connection<EventRow> }, { filter: EventFilter } & Page>('SearchEvents'),
  eventDetail: op<{ event: EventSuccess['event'] | null }, { id: string }>('EventDetail'),
  documentEvent: op<{ documentEvent: Result<EventSuccess> }, { eventId: string; input: EventMetadataInput }>(
    'DocumentEvent',
  ),
  changeEventStatus: op<
    { changeEventStatus: Result<EventSuccess> },
    { eventId: string; status: EventStatus }
  >('ChangeEventStatus'),
  correctEventPlate: op<
    { correctEventPlate: Result<EventSuccess> },
    { eventId: string; plate: string; reason: string }
  >('CorrectEventPlate'),
  assignEventCompany: op<
    { assignEventCompany: Result<EventSuccess> },
    { eventId: string; companyId: string }
  >('AssignEventCompany'),

  companies: op<
    { companies: Connection<Company> },
    { search?: string | null; active?: boolean | null } & Page
  >('Companies'),
  companyOptions: op<
    { companies: Connection<CompanyRef & { isActive: boolean }> },
    { search?: string | null; first?: number }
  >('CompanyOptions'),
  company: op<{ company: Company | null }, { id: string }>('Company'),
  createCompany: op<
    { createCompany: Result<{ __typename: 'CompanySuccess'; company: Company }> },
    { input: CompanyInput }
  >('CreateCompany'),
  updateCompany: op<
    { updateCompany: Result<{ __typename: 'CompanySuccess'; company: Company }> },
    { id: string; input: CompanyInput }
  >('UpdateCompany'),
  vehicles: op<{ vehicles: Connection<Vehicle> }, { companyId?: string | null } & Page>('Vehicles'),
  registerVehicle: op<
    { registerVehicle: Result<{ __typename: 'VehicleSuccess'; vehicle: Vehicle }> },
    { companyId: string; plate: string; description: string }
  >('RegisterVehicle'),
  removeVehicle: op<{ removeVehicle: Ok }, { id: string }>('RemoveVehicle'),

  users: op<
    { users: Connection<User> },
    { companyId?: string | null; role?: Role | null; search?: string | null } & Page
  >('Users'),
  userOptions: op<{ users: Connection<UserRef> }, { search?: string | null }>('UserOptions'),
  createUser: op<
    { createUser: Result<{ __typename: 'UserSuccess'; user: User }> },
    { input: CreateUserInput }
  >('CreateUser'),
  updateUser: op<
    { updateUser: Result<{ __typename: 'UserSuccess'; user: User }> },
    { id: string; input: UpdateUserInput }
  >('UpdateUser'),
  grantPermission: op<
    { grantPermission: Result<{ __typename: 'GrantSuccess'; user: User }> },
    { input: { userId: string; permission: Permission; expiresAt?: string | null } }
  >('GrantPermission'),
  revokePermission: op<{ revokePermission: Ok }, { userId: string; permission: Permission }>(
    'RevokePermission',
  ),

  auditLogs: op<{ auditLogs: Connection<AuditEntry> }, { filter: AuditFilter } & Page>('AuditLogs'),

  deadLetters: op<
    { deadLetters: Connection<DeadLetter> },
    { status?: DeadLetterStatus | null } & Page
  >('DeadLetters'),
  retryDeadLetter: op<{ retryDeadLetter: Result<DeadLetterSuccess> }, { id: string }>('RetryDeadLetter'),
  discardDeadLetter: op<{ discardDeadLetter: Result<DeadLetterSuccess> }, { id: string }>(
    'DiscardDeadLetter',
  ),

  eventStream: op<
    { eventStream: EventChange },
    { filter: { cameraCode?: string | null; companyId?: string | null; plates?: string[] | null } | null }
  >('EventStream'),
};
