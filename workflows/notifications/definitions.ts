/** Shared by the notification workflows and the code that starts them. */
export const notificationWorkflowId = (notificationId: string) => `notification:${notificationId}`;

export interface NotificationInput {
  notificationId: string;
}

export type DeliveryResult = 'sent' | 'already' | 'suppressed' | 'failed';
