// What every administration form does the same way: one save at a time, the error in words
// above the form and per field beside it, a confirmation before anything drastic.
import { ref } from 'vue'
import { useI18n } from 'vue-i18n'
import { ElMessage, ElMessageBox } from 'element-plus'

import { errorText, fieldErrors } from '../lib/errors'

export function useSave() {
  const { t, te } = useI18n()
  const busy = ref(false)
  const message = ref('')
  const errors = ref<Record<string, string>>({})

  /** Clears what the last attempt left (opening a dialog afresh). */
  function reset(): void {
    message.value = ''
    errors.value = {}
  }

  /** Runs `work` unless a save is under way; says "saved" unless `quiet`. True when it worked. */
  async function save(work: () => Promise<unknown>, options: { quiet?: boolean } = {}): Promise<boolean> {
    if (busy.value) return false
    busy.value = true
    reset()
    try {
      await work()
      if (!options.quiet) ElMessage.success(t('common.saved'))
      return true
    } catch (e) {
      message.value = errorText(e, t, te)
      errors.value = fieldErrors(e)
      return false
    } finally {
      busy.value = false
    }
  }

  /** Runs `work`, after asking `question` first when one is given; errors show as a message. */
  async function act(work: () => Promise<unknown>, question?: string): Promise<boolean> {
    try {
      if (question) await ElMessageBox.confirm(question, t('common.confirmTitle'), { type: 'warning' })
      await work()
      return true
    } catch (e) {
      if (e !== 'cancel' && e !== 'close') ElMessage.error(errorText(e, t, te))
      return false
    }
  }

  return { busy, message, errors, reset, save, act }
}
