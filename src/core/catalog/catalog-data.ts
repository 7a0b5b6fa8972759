import type { Catalog, CatalogGroup, RestMethod, SoapOperation } from '../../shared/catalog'

/**
 * The permission catalog shipped with Keyward: the REST and SOAP surface of the on-premise
 * back end (ERP, workflow and mobile clients all talk to it). Ids are stable: a released id
 * is never renamed or reused, because keys store them; new entries are appended.
 */

const groups: CatalogGroup[] = [
  { id: 'records', label: 'Records', description: 'Business records (cases, tickets, transactions) of the collection' },
  { id: 'documents', label: 'Documents', description: 'Documents attached to records, with versions and signatures' },
  { id: 'contacts', label: 'Contacts', description: 'People and organisations' },
  { id: 'users', label: 'Users', description: 'Back-end user accounts' },
  { id: 'files', label: 'Files', description: 'Binary uploads and downloads' },
  { id: 'workflow', label: 'Workflow', description: 'Workflow processes and their tasks' },
  { id: 'reports', label: 'Reports', description: 'Saved reports and their runs' },
  { id: 'portal', label: 'Customer portal', description: 'Registration, login and profile of portal customers (Client audience keys)' },
  { id: 'mobile', label: 'Mobile', description: 'Devices and push notifications' },
  { id: 'erp', label: 'ERP', description: 'Invoices, orders, products and stock exchanged with a partner ERP' },
]

const r = (group: string, resource: string, action: string, verb: RestMethod['verb'], path: string, description: string): RestMethod => ({
  id: `rest.${resource}.${action}`,
  group,
  resource,
  verb,
  path,
  description,
})

const rest: RestMethod[] = [
  r('records', 'records', 'list', 'GET', '/api/v1/records', 'List records, filtered and paged'),
  r('records', 'records', 'read', 'GET', '/api/v1/records/{id}', 'Read one record'),
  r('records', 'records', 'create', 'POST', '/api/v1/records', 'Create a record'),
  r('records', 'records', 'update', 'PATCH', '/api/v1/records/{id}', 'Change fields of a record'),
  r('records', 'records', 'delete', 'DELETE', '/api/v1/records/{id}', 'Delete a record'),
  r('records', 'records', 'search', 'POST', '/api/v1/records/search', 'Full-text and field search over records'),
  r('records', 'records', 'history', 'GET', '/api/v1/records/{id}/history', 'Change history of a record'),

  r('documents', 'documents', 'list', 'GET', '/api/v1/documents', 'List documents, optionally of one record'),
  r('documents', 'documents', 'read', 'GET', '/api/v1/documents/{id}', 'Read document metadata'),
  r('documents', 'documents', 'create', 'POST', '/api/v1/documents', 'Create a document from an uploaded file'),
  r('documents', 'documents', 'update', 'PATCH', '/api/v1/documents/{id}', 'Change document metadata or add a version'),
  r('documents', 'documents', 'delete', 'DELETE', '/api/v1/documents/{id}', 'Delete a document'),
  r('documents', 'documents', 'download', 'GET', '/api/v1/documents/{id}/content', 'Download the current version of a document'),
  r('documents', 'documents', 'sign', 'POST', '/api/v1/documents/{id}/signatures', 'Add an electronic signature to a document'),

  r('contacts', 'contacts', 'list', 'GET', '/api/v1/contacts', 'List contacts'),
  r('contacts', 'contacts', 'read', 'GET', '/api/v1/contacts/{id}', 'Read one contact'),
  r('contacts', 'contacts', 'create', 'POST', '/api/v1/contacts', 'Create a contact'),
  r('contacts', 'contacts', 'update', 'PATCH', '/api/v1/contacts/{id}', 'Change a contact'),
  r('contacts', 'contacts', 'delete', 'DELETE', '/api/v1/contacts/{id}', 'Delete a contact'),
  r('contacts', 'contacts', 'merge', 'POST', '/api/v1/contacts/merge', 'Merge duplicate contacts'),

  r('users', 'users', 'list', 'GET', '/api/v1/users', 'List back-end users'),
  r('users', 'users', 'read', 'GET', '/api/v1/users/{id}', 'Read one user'),
  r('users', 'users', 'create', 'POST', '/api/v1/users', 'Create a user'),
  r('users', 'users', 'update', 'PATCH', '/api/v1/users/{id}', 'Change a user'),
  r('users', 'users', 'deactivate', 'POST', '/api/v1/users/{id}/deactivate', 'Deactivate a user'),

  r('files', 'files', 'upload', 'POST', '/api/v1/files', 'Upload a file (multipart)'),
  r('files', 'files', 'download', 'GET', '/api/v1/files/{id}', 'Download a file'),
  r('files', 'files', 'delete', 'DELETE', '/api/v1/files/{id}', 'Delete a file'),

  r('workflow', 'tasks', 'list', 'GET', '/api/v1/workflow/tasks', 'List workflow tasks (own or of a queue)'),
  r('workflow', 'tasks', 'read', 'GET', '/api/v1/workflow/tasks/{id}', 'Read one task with its form'),
  r('workflow', 'tasks', 'claim', 'POST', '/api/v1/workflow/tasks/{id}/claim', 'Claim a task from a queue'),
  r('workflow', 'tasks', 'complete', 'POST', '/api/v1/workflow/tasks/{id}/complete', 'Complete a task with its form data'),
  r('workflow', 'tasks', 'reassign', 'POST', '/api/v1/workflow/tasks/{id}/reassign', 'Hand a task to another user or queue'),
  r('workflow', 'processes', 'start', 'POST', '/api/v1/workflow/processes', 'Start a process instance'),
  r('workflow', 'processes', 'read', 'GET', '/api/v1/workflow/processes/{id}', 'Read a process instance and its state'),
  r('workflow', 'processes', 'cancel', 'POST', '/api/v1/workflow/processes/{id}/cancel', 'Cancel a running process instance'),

  r('reports', 'reports', 'list', 'GET', '/api/v1/reports', 'List saved reports'),
  r('reports', 'reports', 'run', 'POST', '/api/v1/reports/{id}/runs', 'Run a saved report'),
  r('reports', 'reports', 'download', 'GET', '/api/v1/reports/runs/{runId}/result', 'Download the result of a report run'),

  r('portal', 'auth', 'register', 'POST', '/api/v1/auth/register', 'Register a portal customer'),
  r('portal', 'auth', 'login', 'POST', '/api/v1/auth/login', 'Log a portal customer in'),
  r('portal', 'auth', 'refresh', 'POST', '/api/v1/auth/refresh', 'Refresh a portal session'),
  r('portal', 'auth', 'passwordReset', 'POST', '/api/v1/auth/password-reset', 'Send a password-reset link (uses the key\'s public URL)'),
  r('portal', 'profile', 'read', 'GET', '/api/v1/profile', 'Read the logged-in customer\'s profile'),
  r('portal', 'profile', 'update', 'PATCH', '/api/v1/profile', 'Change the logged-in customer\'s profile'),

  r('mobile', 'devices', 'register', 'POST', '/api/v1/devices', 'Register a device for push notifications'),
  r('mobile', 'notifications', 'send', 'POST', '/api/v1/notifications', 'Send a notification to users or devices'),

  r('erp', 'invoices', 'list', 'GET', '/api/v1/erp/invoices', 'List invoices'),
  r('erp', 'invoices', 'read', 'GET', '/api/v1/erp/invoices/{id}', 'Read one invoice'),
  r('erp', 'invoices', 'create', 'POST', '/api/v1/erp/invoices', 'Create an invoice'),
  r('erp', 'orders', 'list', 'GET', '/api/v1/erp/orders', 'List sales orders'),
  r('erp', 'orders', 'create', 'POST', '/api/v1/erp/orders', 'Create a sales order'),
  r('erp', 'products', 'list', 'GET', '/api/v1/erp/products', 'List products and prices'),
  r('erp', 'stock', 'read', 'GET', '/api/v1/erp/stock/{productId}', 'Read stock levels of a product'),
]

const o = (group: string, service: string, operation: string, description: string): SoapOperation => ({
  id: `soap.${service}.${operation}`,
  group,
  service,
  operation,
  description,
})

const soap: SoapOperation[] = [
  o('records', 'RecordService', 'GetRecord', 'Read one record'),
  o('records', 'RecordService', 'FindRecords', 'Query records by field values'),
  o('records', 'RecordService', 'CreateRecord', 'Create a record'),
  o('records', 'RecordService', 'UpdateRecord', 'Change fields of a record'),
  o('records', 'RecordService', 'DeleteRecord', 'Delete a record'),
  o('documents', 'DocumentService', 'GetDocument', 'Read a document with its content'),
  o('documents', 'DocumentService', 'StoreDocument', 'Store a document or a new version'),
  o('documents', 'DocumentService', 'DeleteDocument', 'Delete a document'),
  o('contacts', 'ContactService', 'GetContact', 'Read one contact'),
  o('contacts', 'ContactService', 'SaveContact', 'Create or change a contact'),
  o('users', 'UserService', 'GetUser', 'Read one back-end user'),
  o('users', 'UserService', 'Authenticate', 'Check a user\'s credentials and open a session'),
  o('workflow', 'WorkflowService', 'StartProcess', 'Start a process instance'),
  o('workflow', 'WorkflowService', 'GetTask', 'Read one workflow task'),
  o('workflow', 'WorkflowService', 'CompleteTask', 'Complete a workflow task'),
  o('reports', 'ReportService', 'RunReport', 'Run a saved report'),
  o('reports', 'ReportService', 'GetReportResult', 'Fetch the result of a report run'),
  o('erp', 'ErpSyncService', 'PushInvoice', 'Send an invoice from the ERP'),
  o('erp', 'ErpSyncService', 'PullOrders', 'Fetch new sales orders for the ERP'),
  o('erp', 'ErpSyncService', 'SyncStock', 'Send stock levels from the ERP'),
]

/** Least privilege per built-in kind: what the application needs for its usual job. */
const templates: Record<string, string[]> = {
  workflow: [
    'rest.records.list', 'rest.records.read', 'rest.records.create', 'rest.records.update', 'rest.records.search',
    'rest.documents.list', 'rest.documents.read', 'rest.documents.create', 'rest.documents.download',
    'rest.contacts.list', 'rest.contacts.read',
    'rest.files.upload', 'rest.files.download',
    'rest.tasks.list', 'rest.tasks.read', 'rest.tasks.claim', 'rest.tasks.complete', 'rest.tasks.reassign',
    'rest.processes.start', 'rest.processes.read', 'rest.processes.cancel',
    'soap.WorkflowService.StartProcess', 'soap.WorkflowService.GetTask', 'soap.WorkflowService.CompleteTask',
  ],
  mobile: [
    'rest.auth.register', 'rest.auth.login', 'rest.auth.refresh', 'rest.auth.passwordReset',
    'rest.profile.read', 'rest.profile.update',
    'rest.records.list', 'rest.records.read',
    'rest.documents.list', 'rest.documents.read', 'rest.documents.download',
    'rest.tasks.list', 'rest.tasks.read', 'rest.tasks.complete',
    'rest.files.download', 'rest.devices.register',
  ],
  erp: [
    'rest.invoices.list', 'rest.invoices.read', 'rest.invoices.create',
    'rest.orders.list', 'rest.orders.create', 'rest.products.list', 'rest.stock.read',
    'rest.contacts.list', 'rest.contacts.read', 'rest.contacts.create', 'rest.contacts.update',
    'rest.records.list', 'rest.records.read', 'rest.records.search',
    'soap.RecordService.GetRecord', 'soap.RecordService.FindRecords',
    'soap.ErpSyncService.PushInvoice', 'soap.ErpSyncService.PullOrders', 'soap.ErpSyncService.SyncStock',
  ],
}

export const CATALOG: Catalog = { version: 1, groups, rest, soap, templates }

/** The built-in application kinds of seed 000 (ids and prefixes are stable). */
export const BUILTIN_APPLICATIONS = [
  { id: 'workflow', name: 'Workflow', prefix: 'wf' },
  { id: 'mobile', name: 'Mobile App', prefix: 'mob' },
  { id: 'erp', name: 'ERP', prefix: 'erp' },
] as const
