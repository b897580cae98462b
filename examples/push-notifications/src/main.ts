import { runPushNotifications } from './push-notifications.ts';

const delivered = await runPushNotifications({ log: (line) => console.log(line) });
console.log(
  `\nSummary: email ${delivered.email.length}, sms ${delivered.sms.length}, push ${delivered.push.length} notifications`,
);
